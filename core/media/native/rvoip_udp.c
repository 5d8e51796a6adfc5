/*
 * rvoip_udp: batched UDP for the media engine's RTP/RTCP sockets (Linux, node-api).
 *
 * Why: Node's dgram makes one JS callback, one Buffer with its own backing store and one
 * rinfo object per received datagram (after a 64 KiB malloc per recvmsg, including the one
 * that returns EAGAIN), and a SendWrap per send. At 1,000 calls that is most of a core.
 * Here every readable socket is drained with recvmmsg into one preallocated slab during
 * libuv's poll phase, and JS is called once per loop turn (from a check handle) with the
 * count; offsets, lengths, socket ids and ports sit in a shared Int32Array. Sends are
 * copied into a native queue and flushed with sendmmsg once per turn (prepare handle:
 * before the loop sleeps; check handle: after a batch was handled).
 *
 * JS API (all numbers; failures return a negative errno, the TS wrapper makes typed errors):
 *   setup(onBatch) -> { data: ArrayBuffer, meta: ArrayBuffer, slotSize, slots }
 *   open(family 4|6, address, port) -> id | -errno
 *   localPort(id), connect(id, port, address), disconnect(id), setDest(id, port, address)
 *   send(id, bytes, toDest) queues; sendNow(id, bytes, toDest) sends at once -> 0 | -errno
 *   flush(), close(id), sourceAddress(entry) -> string, counters() -> number[]
 * meta entry i: [socket id, offset in data, length, port | family6 << 16 | changed << 17];
 * "changed": the source differs from this socket's previous datagram (JS caches strings).
 */
#include "rvoip_udp.h"

/* ---- argument helpers ---- */

static ctx_t *args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  void *data;
  napi_get_cb_info(env, info, &argc, argv, NULL, &data);
  return data;
}

static int32_t int_arg(napi_env env, napi_value v) {
  int32_t x = -1;
  napi_get_value_int32(env, v, &x);
  return x;
}

static napi_value num(napi_env env, double x) {
  napi_value v;
  napi_create_double(env, x, &v);
  return v;
}

/* Parses address + port into a sockaddr of the socket's family; 0 or -errno. */
static int sockaddr_of(napi_env env, napi_value addr, int32_t port, int family, struct sockaddr_storage *out, socklen_t *len) {
  char text[64];
  size_t n = 0;
  if (napi_get_value_string_utf8(env, addr, text, sizeof text, &n) != napi_ok || port < 0 || port > 65535) return -EINVAL;
  memset(out, 0, sizeof *out);
  if (family == AF_INET6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, text, &a->sin6_addr) != 1) {
      /* An IPv4 peer on a dual-stack socket: its v4-mapped form. */
      struct in_addr v4;
      if (inet_pton(AF_INET, text, &v4) != 1) return -EINVAL;
      a->sin6_addr.s6_addr[10] = 0xff;
      a->sin6_addr.s6_addr[11] = 0xff;
      memcpy(&a->sin6_addr.s6_addr[12], &v4, 4);
    }
    *len = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)out;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, text, &a->sin_addr) != 1) return -EINVAL;
    *len = sizeof *a;
  }
  return 0;
}

static int family_of(sock_t *s) {
  struct sockaddr_storage a;
  socklen_t len = sizeof a;
  if (getsockname(s->fd, (struct sockaddr *)&a, &len) != 0) return AF_INET;
  return a.ss_family;
}

/* ---- JS functions ---- */

static napi_value js_setup(napi_env env, napi_callback_info info) {
  napi_value argv[1], out, data, meta;
  ctx_t *c = args(env, info, 1, argv);
  if (c->on_batch) napi_delete_reference(env, c->on_batch);
  napi_create_reference(env, argv[0], 1, &c->on_batch);
  napi_get_reference_value(env, c->data_ref, &data);
  napi_get_reference_value(env, c->meta_ref, &meta);
  napi_create_object(env, &out);
  napi_set_named_property(env, out, "data", data);
  napi_set_named_property(env, out, "meta", meta);
  napi_set_named_property(env, out, "slotSize", num(env, SLOT));
  napi_set_named_property(env, out, "slots", num(env, RECV_SLOTS));
  return out;
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  ctx_t *c = args(env, info, 3, argv);
  int family = int_arg(env, argv[0]) == 6 ? AF_INET6 : AF_INET;
  int32_t port = int_arg(env, argv[2]);
  struct sockaddr_storage a;
  socklen_t len;
  int err = sockaddr_of(env, argv[1], port, family, &a, &len);
  if (err) return num(env, err);
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return num(env, -errno);
  if (bind(fd, (struct sockaddr *)&a, len) != 0) {
    err = -errno;
    close(fd);
    return num(env, err);
  }
  int id = 0;
  while (id < c->cap && c->socks[id]) id++;
  if (id == c->cap) {
    int cap = c->cap ? c->cap * 2 : 256;
    sock_t **grown = realloc(c->socks, sizeof(sock_t *) * (size_t)cap);
    if (!grown) { close(fd); return num(env, -ENOMEM); }
    memset(grown + c->cap, 0, sizeof(sock_t *) * (size_t)(cap - c->cap));
    c->socks = grown;
    c->cap = cap;
  }
  sock_t *s = calloc(1, sizeof *s);
  if (!s) { close(fd); return num(env, -ENOMEM); }
  s->ctx = c;
  s->fd = fd;
  s->id = id;
  s->open = 1;
  if (uv_poll_init_socket(c->loop, &s->poll, fd) != 0) { close(fd); free(s); return num(env, -EINVAL); }
  c->handles++;
  uv_poll_start(&s->poll, UV_READABLE, rvu_on_readable);
  c->socks[id] = s;
  return num(env, id);
}

static napi_value js_local_port(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  ctx_t *c = args(env, info, 1, argv);
  sock_t *s = rvu_lookup(c, int_arg(env, argv[0]));
  struct sockaddr_storage a;
  socklen_t len = sizeof a;
  if (!s) return num(env, -EBADF);
  if (getsockname(s->fd, (struct sockaddr *)&a, &len) != 0) return num(env, -errno);
  return num(env, ntohs(a.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&a)->sin6_port : ((struct sockaddr_in *)&a)->sin_port));
}

/* connect(id, port, address) / setDest(id, port, address): 0 or -errno. */
static napi_value connect_or_dest(napi_env env, napi_callback_info info, int do_connect) {
  napi_value argv[3];
  ctx_t *c = args(env, info, 3, argv);
  sock_t *s = rvu_lookup(c, int_arg(env, argv[0]));
  if (!s) return num(env, -EBADF);
  struct sockaddr_storage a;
  socklen_t len;
  int err = sockaddr_of(env, argv[2], int_arg(env, argv[1]), family_of(s), &a, &len);
  if (err) return num(env, err);
  if (do_connect) {
    rvu_flush(c); /* queued sends were addressed before the connect */
    return num(env, connect(s->fd, (struct sockaddr *)&a, len) == 0 ? 0 : -errno);
  }
  /* Datagrams queued for the previous destination must still go there. */
  for (int i = 0; i < c->out_count; i++) {
    if (c->out_sock[i] == s->id && c->out_dest[i]) { rvu_flush(c); break; }
  }
  memcpy(&s->dest, &a, len);
  s->dest_len = len;
  return num(env, 0);
}

static napi_value js_connect(napi_env env, napi_callback_info info) { return connect_or_dest(env, info, 1); }
static napi_value js_set_dest(napi_env env, napi_callback_info info) { return connect_or_dest(env, info, 0); }

static napi_value js_disconnect(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  ctx_t *c = args(env, info, 1, argv);
  sock_t *s = rvu_lookup(c, int_arg(env, argv[0]));
  if (!s) return num(env, -EBADF);
  rvu_flush(c);
  struct sockaddr a;
  memset(&a, 0, sizeof a);
  a.sa_family = AF_UNSPEC;
  return num(env, connect(s->fd, &a, sizeof a) == 0 ? 0 : -errno);
}

/* send(id, bytes, toDest): queued until the end of this loop turn; sendNow: at once. */
static napi_value send_common(napi_env env, napi_callback_info info, int now) {
  napi_value argv[3];
  ctx_t *c = args(env, info, 3, argv);
  sock_t *s = rvu_lookup(c, int_arg(env, argv[0]));
  if (!s) return num(env, -EBADF);
  void *bytes;
  size_t len;
  napi_typedarray_type type;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, argv[1], &type, &len, &bytes, &ab, &off) != napi_ok || type != napi_uint8_array) return num(env, -EINVAL);
  bool to_dest = false;
  napi_get_value_bool(env, argv[2], &to_dest);
  if (to_dest && !s->dest_len) return num(env, -EDESTADDRREQ);
  if (now || len > SLOT) {
    /* Keep order with what is queued for this socket. */
    if (c->out_count) rvu_flush(c);
    ssize_t r;
    do {
      r = sendto(s->fd, bytes, len, MSG_DONTWAIT, to_dest ? (struct sockaddr *)&s->dest : NULL, to_dest ? s->dest_len : 0);
    } while (r < 0 && errno == EINTR);
    if (r < 0) { c->counters[C_SEND_ERRORS]++; return num(env, -errno); }
    c->counters[C_SENT]++;
    return num(env, 0);
  }
  if (c->out_count == SEND_SLOTS) rvu_flush(c);
  int e = c->out_count++;
  memcpy(c->out + (size_t)e * SLOT, bytes, len);
  c->out_sock[e] = s->id;
  c->out_len[e] = (uint16_t)len;
  c->out_dest[e] = to_dest;
  return num(env, 0);
}

static napi_value js_send(napi_env env, napi_callback_info info) { return send_common(env, info, 0); }
static napi_value js_send_now(napi_env env, napi_callback_info info) { return send_common(env, info, 1); }

static napi_value js_flush(napi_env env, napi_callback_info info) {
  ctx_t *c = args(env, info, 0, NULL);
  rvu_flush(c);
  return NULL;
}

/* Sends what this socket has queued (a last RTCP BYE), then closes it. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  ctx_t *c = args(env, info, 1, argv);
  sock_t *s = rvu_lookup(c, int_arg(env, argv[0]));
  if (!s) return num(env, -EBADF);
  rvu_flush(c);
  rvu_close_sock(c, s);
  return num(env, 0);
}

static napi_value js_source_address(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  ctx_t *c = args(env, info, 1, argv);
  int32_t e = int_arg(env, argv[0]);
  char text[INET6_ADDRSTRLEN] = "";
  if (e >= 0 && e < RECV_SLOTS) {
    struct sockaddr_storage *a = &c->src[e];
    if (a->ss_family == AF_INET6) inet_ntop(AF_INET6, &((struct sockaddr_in6 *)a)->sin6_addr, text, sizeof text);
    else inet_ntop(AF_INET, &((struct sockaddr_in *)a)->sin_addr, text, sizeof text);
  }
  napi_create_string_latin1(env, text, NAPI_AUTO_LENGTH, &out);
  return out;
}

static napi_value js_counters(napi_env env, napi_callback_info info) {
  ctx_t *c = args(env, info, 0, NULL);
  napi_value out;
  napi_create_array_with_length(env, C_COUNT, &out);
  for (uint32_t i = 0; i < C_COUNT; i++) napi_set_element(env, out, i, num(env, c->counters[i]));
  return out;
}

NAPI_MODULE_INIT() {
  ctx_t *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->env = env;
  c->out = malloc((size_t)SEND_SLOTS * SLOT);
  if (!c->out || napi_get_uv_event_loop(env, &c->loop) != napi_ok) {
    napi_throw_error(env, "RVOIP_ERR_MEDIA_UDP_NATIVE_INIT", "rvoip_udp: no memory or no libuv loop");
    return NULL;
  }
  napi_value data, meta, resource, name;
  void *p;
  napi_create_arraybuffer(env, (size_t)RECV_SLOTS * SLOT, &p, &data);
  c->data = p;
  napi_create_arraybuffer(env, (size_t)RECV_SLOTS * 4 * sizeof(int32_t), &p, &meta);
  c->meta = p;
  napi_create_reference(env, data, 1, &c->data_ref);
  napi_create_reference(env, meta, 1, &c->meta_ref);
  napi_create_object(env, &resource);
  napi_create_reference(env, resource, 1, &c->resource);
  napi_create_string_utf8(env, "RvoipUdpBatch", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, resource, name, &c->async);
  uv_check_init(c->loop, &c->check);
  uv_prepare_init(c->loop, &c->prepare);
  c->handles = 2;
  c->check.data = c;
  c->prepare.data = c;
  uv_check_start(&c->check, rvu_on_check);
  uv_prepare_start(&c->prepare, rvu_on_prepare);
  /* Neither keeps the process alive; open sockets do, as dgram sockets do. */
  uv_unref((uv_handle_t *)&c->check);
  uv_unref((uv_handle_t *)&c->prepare);
  napi_add_env_cleanup_hook(env, rvu_teardown, c);
  napi_property_descriptor fns[] = {
    { "setup", NULL, js_setup, NULL, NULL, NULL, napi_default, c },
    { "open", NULL, js_open, NULL, NULL, NULL, napi_default, c },
    { "localPort", NULL, js_local_port, NULL, NULL, NULL, napi_default, c },
    { "connect", NULL, js_connect, NULL, NULL, NULL, napi_default, c },
    { "disconnect", NULL, js_disconnect, NULL, NULL, NULL, napi_default, c },
    { "setDest", NULL, js_set_dest, NULL, NULL, NULL, napi_default, c },
    { "send", NULL, js_send, NULL, NULL, NULL, napi_default, c },
    { "sendNow", NULL, js_send_now, NULL, NULL, NULL, napi_default, c },
    { "flush", NULL, js_flush, NULL, NULL, NULL, napi_default, c },
    { "close", NULL, js_close, NULL, NULL, NULL, napi_default, c },
    { "sourceAddress", NULL, js_source_address, NULL, NULL, NULL, napi_default, c },
    { "counters", NULL, js_counters, NULL, NULL, NULL, napi_default, c },
  };
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);
  return exports;
}
