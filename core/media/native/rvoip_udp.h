/* Shared state of the rvoip_udp addon: the per-thread context, sockets, and the I/O
 * functions (rvoip_udp_io.c) the JS bindings (rvoip_udp.c) call. */
#ifndef RVOIP_UDP_H
#define RVOIP_UDP_H
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SLOT 2048      /* larger than any RTP/RTCP datagram on an Ethernet path */
#define RECV_SLOTS 512 /* one batch; a full slab is handed to JS at once */
#define SEND_SLOTS 512
#define MMSG 64        /* datagrams per recvmmsg/sendmmsg call */

typedef struct ctx ctx_t;

typedef struct {
  uv_poll_t poll; /* first member: the poll callback casts back */
  ctx_t *ctx;
  int fd;
  int id;
  int open;
  struct sockaddr_storage last_src;
  socklen_t last_src_len;
  struct sockaddr_storage dest;
  socklen_t dest_len;
} sock_t;

enum { C_BATCHES, C_RECEIVED, C_TRUNCATED, C_RECV_ERRORS, C_SENT, C_SEND_ERRORS, C_COUNT };

struct ctx {
  napi_env env;
  uv_loop_t *loop;
  uv_check_t check;
  uv_prepare_t prepare;
  napi_ref on_batch;
  napi_ref resource;
  napi_async_context async;
  napi_ref data_ref, meta_ref;
  uint8_t *data;
  int32_t *meta;
  struct sockaddr_storage src[RECV_SLOTS];
  int count;
  int delivering;
  int torn_down;
  sock_t **socks;
  int cap;
  uint8_t *out;
  int32_t out_sock[SEND_SLOTS];
  uint16_t out_len[SEND_SLOTS];
  uint8_t out_dest[SEND_SLOTS];
  int out_count;
  double counters[C_COUNT];
  int handles; /* libuv handles not yet closed; the context is freed after teardown and the last */
};

sock_t *rvu_lookup(ctx_t *c, int32_t id);
void rvu_deliver(ctx_t *c);
void rvu_on_readable(uv_poll_t *handle, int status, int events);
void rvu_flush(ctx_t *c);
void rvu_on_check(uv_check_t *h);
void rvu_on_prepare(uv_prepare_t *h);
void rvu_close_sock(ctx_t *c, sock_t *s);
void rvu_teardown(void *arg);

#endif
