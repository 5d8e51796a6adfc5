/* rvoip_udp I/O on libuv's loop: drain readable sockets into the slab, hand batches to
 * JS, flush the send queue, close sockets and tear down (see rvoip_udp.c for why). */
#include "rvoip_udp.h"

sock_t *rvu_lookup(ctx_t *c, int32_t id) {
  if (id < 0 || id >= c->cap) return NULL;
  sock_t *s = c->socks[id];
  return s && s->open ? s : NULL;
}

/* Hands the collected batch to JS; make_callback also drains nextTick and microtasks. */
void rvu_deliver(ctx_t *c) {
  if (c->count == 0 || c->delivering || c->torn_down || !c->on_batch) return;
  napi_env env = c->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, argv[1], result;
  c->delivering = 1;
  c->counters[C_BATCHES]++;
  napi_get_reference_value(env, c->on_batch, &fn);
  napi_get_reference_value(env, c->resource, &recv);
  napi_create_int32(env, c->count, &argv[0]);
  napi_status st = napi_make_callback(env, c->async, recv, fn, 1, argv, &result);
  c->count = 0;
  c->delivering = 0;
  if (st == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err); /* 'uncaughtException', as a throwing dgram listener */
  }
  napi_close_handle_scope(env, scope);
}

static int same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b, socklen_t len) {
  return memcmp(a, b, len) == 0;
}

void rvu_on_readable(uv_poll_t *handle, int status, int events) {
  sock_t *s = (sock_t *)handle;
  ctx_t *c = s->ctx;
  (void)events;
  if (status < 0) {
    /* libuv stops a poll handle on POLLERR, which a connected UDP socket shows for a
     * pending ICMP error (the peer's port closed for a moment). Reading SO_ERROR clears
     * it; the socket must go on receiving, so the poll restarts and the drain goes on. */
    int err = 0;
    socklen_t len = sizeof err;
    c->counters[C_RECV_ERRORS]++;
    getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (!s->open || uv_poll_start(&s->poll, UV_READABLE, rvu_on_readable) != 0) return;
  }
  struct mmsghdr msgs[MMSG];
  struct iovec iov[MMSG];
  for (;;) {
    if (c->count == RECV_SLOTS) {
      rvu_deliver(c);
      if (!s->open) return; /* closed by its handler: its struct lives until on_closed */
      if (c->count == RECV_SLOTS) return; /* JS could not be called: leave the rest queued */
    }
    int n = RECV_SLOTS - c->count;
    if (n > MMSG) n = MMSG;
    for (int i = 0; i < n; i++) {
      int e = c->count + i;
      iov[i].iov_base = c->data + (size_t)e * SLOT;
      iov[i].iov_len = SLOT;
      memset(&msgs[i].msg_hdr, 0, sizeof(struct msghdr));
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &c->src[e];
      msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
    }
    int r = recvmmsg(s->fd, msgs, (unsigned)n, MSG_DONTWAIT, NULL);
    if (r < 0) {
      if (errno == EINTR) continue;
      /* EAGAIN: drained. ECONNREFUSED: an ICMP error for an earlier send, not a datagram. */
      if (errno != EAGAIN && errno != EWOULDBLOCK) c->counters[C_RECV_ERRORS]++;
      if (errno == ECONNREFUSED) continue;
      return;
    }
    int base = c->count;
    for (int i = 0; i < r; i++) {
      if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) { c->counters[C_TRUNCATED]++; continue; }
      /* Entries are compacted over truncated datagrams: move this one down if one was. */
      int e = c->count;
      struct sockaddr_storage *from = &c->src[e];
      if (e != base + i) {
        memcpy(from, &c->src[base + i], sizeof *from);
        memmove(c->data + (size_t)e * SLOT, c->data + (size_t)(base + i) * SLOT, msgs[i].msg_len);
      }
      socklen_t len = msgs[i].msg_hdr.msg_namelen;
      int port, v6 = from->ss_family == AF_INET6;
      port = ntohs(v6 ? ((struct sockaddr_in6 *)from)->sin6_port : ((struct sockaddr_in *)from)->sin_port);
      int changed = len != s->last_src_len || !same_addr(from, &s->last_src, len);
      if (changed) { memcpy(&s->last_src, from, len); s->last_src_len = len; }
      int32_t *m = c->meta + e * 4;
      m[0] = s->id;
      m[1] = e * SLOT;
      m[2] = (int32_t)msgs[i].msg_len;
      m[3] = port | (v6 << 16) | (changed << 17);
      c->count++;
      c->counters[C_RECEIVED]++;
    }
    if (r < n) return; /* fewer than asked: the socket is drained */
  }
}

/* Sends every queued datagram, one sendmmsg per run of the same socket. */
void rvu_flush(ctx_t *c) {
  struct mmsghdr msgs[MMSG];
  struct iovec iov[MMSG];
  int i = 0;
  while (i < c->out_count) {
    sock_t *s = rvu_lookup(c, c->out_sock[i]);
    int n = 0;
    while (i + n < c->out_count && n < MMSG && c->out_sock[i + n] == c->out_sock[i]) n++;
    if (!s) { i += n; continue; }
    for (int k = 0; k < n; k++) {
      int e = i + k;
      iov[k].iov_base = c->out + (size_t)e * SLOT;
      iov[k].iov_len = c->out_len[e];
      memset(&msgs[k].msg_hdr, 0, sizeof(struct msghdr));
      msgs[k].msg_hdr.msg_iov = &iov[k];
      msgs[k].msg_hdr.msg_iovlen = 1;
      if (c->out_dest[e] && s->dest_len) {
        msgs[k].msg_hdr.msg_name = &s->dest;
        msgs[k].msg_hdr.msg_namelen = s->dest_len;
      }
    }
    int done = 0;
    while (done < n) {
      int r = sendmmsg(s->fd, msgs + done, (unsigned)(n - done), MSG_DONTWAIT);
      if (r < 0 && errno == EINTR) continue;
      /* UDP is lossy: a full send buffer or an ICMP error costs the datagram, as on the wire. */
      if (r <= 0) { c->counters[C_SEND_ERRORS]++; done++; continue; }
      c->counters[C_SENT] += r;
      done += r;
    }
    i += n;
  }
  c->out_count = 0;
}

void rvu_on_check(uv_check_t *h) {
  ctx_t *c = h->data;
  rvu_deliver(c);
  rvu_flush(c);
}

void rvu_on_prepare(uv_prepare_t *h) { rvu_flush((ctx_t *)h->data); }

static void release_handle(ctx_t *c) {
  if (--c->handles > 0 || !c->torn_down) return;
  free(c->out);
  free(c->socks);
  free(c);
}

static void on_closed(uv_handle_t *h) {
  sock_t *s = (sock_t *)h;
  ctx_t *c = s->ctx;
  if (s->id < c->cap && c->socks[s->id] == s) c->socks[s->id] = NULL;
  free(s);
  release_handle(c);
}

static void on_loop_handle_closed(uv_handle_t *h) { release_handle(h->data); }

void rvu_close_sock(ctx_t *c, sock_t *s) {
  s->open = 0;
  uv_poll_stop(&s->poll); /* removes the fd from epoll, so closing it now is safe */
  close(s->fd);
  s->fd = -1;
  uv_close((uv_handle_t *)&s->poll, on_closed);
  (void)c;
}

/* Process or worker exit: no callback into JS any more, every fd closed. */
void rvu_teardown(void *arg) {
  ctx_t *c = arg;
  rvu_flush(c);
  c->torn_down = 1;
  for (int i = 0; i < c->cap; i++) {
    if (c->socks[i] && c->socks[i]->open) rvu_close_sock(c, c->socks[i]);
  }
  /* A worker's loop must close with no handle open; the context goes with the last one
   * (on the main thread at exit the loop may never run them: then nothing is freed). */
  uv_close((uv_handle_t *)&c->check, on_loop_handle_closed);
  uv_close((uv_handle_t *)&c->prepare, on_loop_handle_closed);
  if (c->on_batch) napi_delete_reference(c->env, c->on_batch);
  napi_delete_reference(c->env, c->resource);
  napi_delete_reference(c->env, c->data_ref);
  napi_delete_reference(c->env, c->meta_ref);
  napi_async_destroy(c->env, c->async);
  c->on_batch = NULL;
}
