# shellcheck shell=bash disable=SC2154,SC2034  # globals of provision and lib/common.sh
# MariaDB, the store: reachable on its unix socket only (skip-networking); no anonymous
# accounts and no test database. No password is set here: root logs in by unix socket only,
# and the first-boot wizard makes the gateway's account with a password of its own.
apt_install mariadb-server
put etc/mysql/mariadb.conf.d/90-portcullis.cnf
enable_units mariadb.service

cleanup_sql="DELETE FROM mysql.global_priv WHERE User='';
DELETE FROM mysql.db WHERE Db='test' OR Db LIKE 'test\\_%';
DROP DATABASE IF EXISTS test;"
if mariadb-admin --protocol=socket ping >/dev/null 2>&1; then
    # A running server (a live system): as root over the socket.
    mariadb --protocol=socket -e "$cleanup_sql FLUSH PRIVILEGES;"
    restart_if_running mariadb.service
else
    # No server (a chroot): the data folder is changed by mariadbd in bootstrap mode, as
    # mariadb-install-db does; nothing listens meanwhile.
    mariadbd --bootstrap --user=mysql --datadir=/var/lib/mysql --skip-networking \
        --skip-grant-tables --log-error="$state_dir/mariadb-bootstrap.log" <<<"$cleanup_sql"
    rm -f "$state_dir/mariadb-bootstrap.log"
fi
