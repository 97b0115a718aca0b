// SPDX-License-Identifier: MIT
// LD_PRELOAD shim for running libreswan's pluto where the kernel cannot hold ESP SAs (no ESP
// algorithms, as in this sandbox) and must not be changed: every XFRM netlink request that would
// change kernel state (new/update/delete SA or policy, flush, migrate) is answered with a
// netlink ACK (NLMSG_ERROR with error 0) and never reaches the kernel; each SA pluto asks for is
// appended to $LSW_SHIM_LOG (SPI, addresses, algorithm names, keys in hex) so the Child SA keys
// can be compared with pqike's. Queries (ALLOCSPI, GETSA, GETPOLICY) go to the kernel as usual.
// Not part of the library or its tests; see examples/libreswan_live/README.md.
//   cc -shared -fPIC -O2 -o xfrm_ack_shim.so xfrm_ack_shim.c -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>
#include <arpa/inet.h>

#define MAX_FD 1024
static unsigned char is_xfrm[MAX_FD];
static struct nlmsghdr pending[MAX_FD];  // the request to acknowledge, nlmsg_len 0 = none

static void shim_log(const char* fmt, ...) {
    const char* path = getenv("LSW_SHIM_LOG");
    FILE* f = path ? fopen(path, "a") : NULL;
    if (!f) return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
}

static void hex(char* out, const unsigned char* p, size_t n) {
    for (size_t i = 0; i < n; ++i) sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * n] = 0;
}

static void log_sa(const struct nlmsghdr* h) {
    if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct xfrm_usersa_info))) return;
    const struct xfrm_usersa_info* sa = NLMSG_DATA(h);
    char src[64], dst[64];
    inet_ntop(sa->family, &sa->saddr, src, sizeof src);
    inet_ntop(sa->family, &sa->id.daddr, dst, sizeof dst);
    shim_log("%s spi=0x%08x proto=%u src=%s dst=%s mode=%u reqid=%u", h->nlmsg_type == XFRM_MSG_NEWSA ? "NEWSA" : "UPDSA",
             ntohl(sa->id.spi), sa->id.proto, src, dst, sa->mode, sa->reqid);
    const unsigned char* a = (const unsigned char*)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof *sa);
    const unsigned char* end = (const unsigned char*)h + h->nlmsg_len;
    static char buf[1024];
    while (a + sizeof(struct nlattr) <= end) {
        const struct nlattr* na = (const struct nlattr*)a;
        if (na->nla_len < sizeof *na || a + na->nla_len > end) break;
        const unsigned char* d = a + NLA_HDRLEN;
        if (na->nla_type == XFRMA_ALG_AEAD) {
            const struct xfrm_algo_aead* x = (const void*)d;
            hex(buf, (const unsigned char*)x->alg_key, x->alg_key_len / 8 < 500 ? x->alg_key_len / 8 : 0);
            shim_log(" aead=%s icv=%u key=%s", x->alg_name, x->alg_icv_len, buf);
        } else if (na->nla_type == XFRMA_ALG_CRYPT) {
            const struct xfrm_algo* x = (const void*)d;
            hex(buf, (const unsigned char*)x->alg_key, x->alg_key_len / 8 < 500 ? x->alg_key_len / 8 : 0);
            shim_log(" encr=%s key=%s", x->alg_name, buf);
        } else if (na->nla_type == XFRMA_ALG_AUTH_TRUNC) {
            const struct xfrm_algo_auth* x = (const void*)d;
            hex(buf, (const unsigned char*)x->alg_key, x->alg_key_len / 8 < 500 ? x->alg_key_len / 8 : 0);
            shim_log(" integ=%s trunc=%u key=%s", x->alg_name, x->alg_trunc_len, buf);
        }
        a += NLA_ALIGN(na->nla_len);
    }
    shim_log("\n");
}

static int acknowledged(unsigned type) {
    switch (type) {
        case XFRM_MSG_NEWSA: case XFRM_MSG_UPDSA: case XFRM_MSG_DELSA:
        case XFRM_MSG_NEWPOLICY: case XFRM_MSG_UPDPOLICY: case XFRM_MSG_DELPOLICY:
        case XFRM_MSG_FLUSHSA: case XFRM_MSG_FLUSHPOLICY: case XFRM_MSG_MIGRATE:
            return 1;
        default: return 0;
    }
}

int socket(int domain, int type, int protocol) {
    static int (*real)(int, int, int);
    if (!real) real = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
    int fd = real(domain, type, protocol);
    if (fd >= 0 && fd < MAX_FD) {
        is_xfrm[fd] = domain == AF_NETLINK && protocol == NETLINK_XFRM;
        pending[fd].nlmsg_len = 0;
    }
    return fd;
}

ssize_t write(int fd, const void* p, size_t n) {
    static ssize_t (*real)(int, const void*, size_t);
    if (!real) real = (ssize_t (*)(int, const void*, size_t))dlsym(RTLD_NEXT, "write");
    if (fd >= 0 && fd < MAX_FD && is_xfrm[fd] && n >= sizeof(struct nlmsghdr)) {
        const struct nlmsghdr* h = p;
        if (acknowledged(h->nlmsg_type)) {
            if (h->nlmsg_type == XFRM_MSG_NEWSA || h->nlmsg_type == XFRM_MSG_UPDSA) log_sa(h);
            else shim_log("ack type=%u\n", h->nlmsg_type);
            pending[fd] = *h;
            return (ssize_t)n;
        }
    }
    return real(fd, p, n);
}

ssize_t recvfrom(int fd, void* buf, size_t n, int flags, struct sockaddr* addr, socklen_t* alen) {
    static ssize_t (*real)(int, void*, size_t, int, struct sockaddr*, socklen_t*);
    if (!real) real = (ssize_t (*)(int, void*, size_t, int, struct sockaddr*, socklen_t*))dlsym(RTLD_NEXT, "recvfrom");
    if (fd >= 0 && fd < MAX_FD && is_xfrm[fd] && pending[fd].nlmsg_len != 0) {
        struct {
            struct nlmsghdr h;
            struct nlmsgerr e;
        } ack;
        memset(&ack, 0, sizeof ack);
        ack.h.nlmsg_len = sizeof ack;
        ack.h.nlmsg_type = NLMSG_ERROR;
        ack.h.nlmsg_seq = pending[fd].nlmsg_seq;
        ack.h.nlmsg_pid = (unsigned)getpid();
        ack.e.error = 0;
        ack.e.msg = pending[fd];
        pending[fd].nlmsg_len = 0;
        size_t c = n < sizeof ack ? n : sizeof ack;
        memcpy(buf, &ack, c);
        if (addr && alen && *alen >= sizeof(struct sockaddr_nl)) {
            struct sockaddr_nl nl;
            memset(&nl, 0, sizeof nl);
            nl.nl_family = AF_NETLINK;
            memcpy(addr, &nl, sizeof nl);
            *alen = sizeof nl;
        }
        return (ssize_t)c;
    }
    return real(fd, buf, n, flags, addr, alen);
}
