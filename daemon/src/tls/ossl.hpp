// OpenSSL objects as RAII handles, and OpenSSL's error queue as an exception.
#pragma once
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace portcullis::tls {

template <typename T, void (*Free)(T*)>
struct Freer {
  void operator()(T* p) const { Free(p); }
};
template <typename T, void (*Free)(T*)>
using Handle = std::unique_ptr<T, Freer<T, Free>>;

using Bio = Handle<BIO, BIO_free_all>;
using Pkey = Handle<EVP_PKEY, EVP_PKEY_free>;
using X509Ptr = Handle<X509, X509_free>;
using X509Req = Handle<X509_REQ, X509_REQ_free>;
using X509Store = Handle<X509_STORE, X509_STORE_free>;
using X509StoreCtx = Handle<X509_STORE_CTX, X509_STORE_CTX_free>;
using X509Ext = Handle<X509_EXTENSION, X509_EXTENSION_free>;
inline void free_x509_stack(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
using X509Stack = Handle<STACK_OF(X509), free_x509_stack>;
inline void free_general_names(GENERAL_NAMES* g) { GENERAL_NAMES_free(g); }
using GeneralNames = Handle<GENERAL_NAMES, free_general_names>;

// std::runtime_error with `what` and the first reason on OpenSSL's error queue (then cleared).
[[noreturn]] void throw_openssl(const std::string& what);

}  // namespace portcullis::tls
