/*
 * loadgen.c - small epoll-based TCP load generator for line-echo servers.
 *
 * Adapted for torsion's bench/ from the shared reference tools; bench/run.js builds it
 * with `cc -O2 -o bench/build/loadgen bench/loadgen.c` when the binary is missing or
 * older than this file.  Byte echo servers work too: they echo the '\n' like any byte.
 *
 * Build:  gcc -O2 -Wall -o loadgen loadgen.c
 *
 * Modes (all bounded in time, all only talk to 127.0.0.0/8):
 *   echo      C connections, each keeping P newline-terminated messages of S bytes
 *             (S includes the '\n') in flight, W s warm-up then D s measured.
 *             Every echoed byte is compared with what was sent (stream order); errors
 *             (wrong bytes, failed connections) count from the start, warm-up included.
 *             Final line: mode=echo msgs_per_s=.. MBps=.. p50_us=.. p99_us=.. errors=..
 *   connrate  K concurrent connectors for D s; each cycle = connect, send one line of
 *             S bytes, wait for the echo, close.  Final line: conns_per_s=.. errors=..
 *   idle      open N connections (at most K connects pending), optionally ping each
 *             (send "i\n", wait for the echo, proves the server accepted it), print
 *             "established=..." and hold them H s.  With -x PID, samples the server's
 *             VmRSS before / after and prints per-connection bytes.
 *
 * -x PID additionally samples the server's CPU time (/proc/PID/stat utime+stime, all
 * threads; -x PID,PID,... sums several processes, e.g. a cluster's primary and workers) over the measured window and prints srv_cpu (cores busy); lg_cpu is this
 * process' own CPU over the same window.  On a 2-core box a value near 1.0 for lg_cpu
 * means the load generator is saturating its core.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ options */
static const char *o_mode = "echo";
static const char *o_host = "127.0.0.1";
static int o_port = 0;
static int o_conns = 50;      /* C (echo) / K (connrate, idle pending limit) */
static int o_pipe = 16;       /* P */
static int o_size = 64;       /* S, bytes incl. '\n' */
static double o_dur = 5.0;    /* D */
static double o_warm = 1.0;   /* W */
static int o_idle_n = 10000;  /* N */
static double o_hold = 5.0;   /* H */
static int o_pending = 256;   /* idle: max connects in progress */
static int o_noping = 0;
/* -x PID[,PID...]: the server's processes (a cluster: primary and workers), summed */
#define MAX_SRVPIDS 64
static int o_srvpids[MAX_SRVPIDS];
static int o_nsrvpids = 0;
static double o_settle = 1.0; /* idle: seconds after established before RSS sample */
static double o_timeout = 5.0;/* connect / response timeout (s) */

static struct sockaddr_in g_addr;

/* ------------------------------------------------------------------ time */
static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
static double cpu_self_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}
/* CPU seconds (utime+stime of the whole process) of one pid, -1 if unknown */
static double cpu_pid_s(int pid) {
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    /* fields after ')': state(3) ppid(4) ... utime(14) stime(15) */
    unsigned long ut = 0, st = 0;
    int field = 2;
    for (char *t = p + 1; *t; t++) {
        if (*t == ' ') {
            field++;
            if (field == 14) ut = strtoul(t + 1, NULL, 10);
            if (field == 15) { st = strtoul(t + 1, NULL, 10); break; }
        }
    }
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}
/* server CPU seconds, summed over its processes; -1 if unknown */
static double cpu_srv_s(void) {
    if (!o_nsrvpids) return -1;
    double total = 0;
    for (int i = 0; i < o_nsrvpids; i++) {
        double s = cpu_pid_s(o_srvpids[i]);
        if (s < 0) return -1;
        total += s;
    }
    return total;
}
static long rss_pid_kb(int pid) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6)) { kb = strtol(line + 6, NULL, 10); break; }
    fclose(f);
    return kb;
}
/* server RSS, summed over its processes; -1 if unknown */
static long rss_srv_kb(void) {
    if (!o_nsrvpids) return -1;
    long total = 0;
    for (int i = 0; i < o_nsrvpids; i++) {
        long kb = rss_pid_kb(o_srvpids[i]);
        if (kb < 0) return -1;
        total += kb;
    }
    return total;
}

/* whole-machine busy CPU seconds (all CPUs, /proc/stat: everything except idle+iowait) */
static double cpu_machine_s(void) {
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return -1;
    unsigned long long v[10] = {0};
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
                   &v[5], &v[6], &v[7], &v[8], &v[9]);
    fclose(f);
    if (n < 8) return -1;
    return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}
/* CPU used by everything except the server and this process over a window (cores) */
static double other_cpu(double m0, double m1, double s0, double s1, double self, double secs) {
    if (m0 < 0 || m1 < 0 || secs <= 0) return -1;
    double srv = (s0 >= 0 && s1 >= 0) ? s1 - s0 : 0;
    double o = (m1 - m0 - srv - self) / secs;
    return o < 0 ? 0 : o;
}

/* ------------------------------------------------------------------ histogram
 * log-linear: 64 sub-buckets per power of two (~1.6% resolution), values in ns. */
#define HB 3776
static uint64_t hist[HB], hcount, hmax;
static inline int hbucket(uint64_t v) {
    if (v < 128) return (int)v;
    int msb = 63 - __builtin_clzll(v);
    int sh = msb - 6;
    return sh * 64 + (int)(v >> sh);
}
static inline uint64_t hvalue(int b) { /* midpoint of bucket */
    if (b < 128) return (uint64_t)b;
    int sh = (b >> 6) - 1;
    uint64_t mant = (uint64_t)(b - sh * 64);
    return (mant << sh) + ((1ull << sh) >> 1);
}
static inline void hrec(uint64_t ns) {
    hist[hbucket(ns)]++;
    hcount++;
    if (ns > hmax) hmax = ns;
}
static void hreset(void) { memset(hist, 0, sizeof hist); hcount = 0; hmax = 0; }
static double hpct_us(double p) {
    if (!hcount) return 0;
    uint64_t want = (uint64_t)(p / 100.0 * (double)hcount);
    if (want >= hcount) want = hcount - 1;
    uint64_t acc = 0;
    for (int b = 0; b < HB; b++) {
        acc += hist[b];
        if (acc > want) return hvalue(b) / 1000.0;
    }
    return hmax / 1000.0;
}

/* ------------------------------------------------------------------ sockets */

/* starts a non-blocking connect; returns fd or -1 */
static int start_connect(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&g_addr, sizeof g_addr) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}
static int connect_result(int fd) {
    int err = 0;
    socklen_t l = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0) return errno;
    return err;
}
static void ep_ctl(int ep, int op, int fd, uint32_t events, uint32_t idx) {
    struct epoll_event ev = {.events = events, .data.u32 = idx};
    if (epoll_ctl(ep, op, fd, &ev) < 0 && op != EPOLL_CTL_DEL) {
        perror("epoll_ctl");
        exit(2);
    }
}

/* payload pattern: printable, never '\n' */
#define PATMASK 4095
static char *g_pat;
static void make_pat(int s) {
    g_pat = malloc(PATMASK + 1 + (size_t)s + 16);
    uint32_t x = 2463534242u;
    for (int i = 0; i < PATMASK + 1 + s + 16; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        g_pat[i] = (char)('a' + x % 26);
    }
}
static inline const char *msg_src(uint64_t seq, uint32_t conn) {
    return g_pat + ((seq * 31u + conn * 7u) & PATMASK);
}

/* ================================================================== echo */
typedef struct {
    int fd, state; /* 0 connecting, 1 running, 2 dead */
    char *buf;
    size_t cap, head, wr, end; /* [head,wr) sent not yet echoed, [wr,end) queued */
    uint64_t stream_head, next_seq, done_seq;
    uint64_t *ts;
    int cur_bad, want_out;
} econn;

static uint64_t e_msgs, e_mismatch, e_extra, e_connerr, e_reads, e_writes;
static int e_measuring;

static void e_fill(econn *c, uint32_t idx, uint64_t t) {
    size_t S = (size_t)o_size;
    while (c->next_seq - c->done_seq < (uint64_t)o_pipe) {
        if (c->end + S > c->cap) {
            memmove(c->buf, c->buf + c->head, c->end - c->head);
            c->wr -= c->head;
            c->end -= c->head;
            c->head = 0;
        }
        memcpy(c->buf + c->end, msg_src(c->next_seq, idx), S - 1);
        c->buf[c->end + S - 1] = '\n';
        c->ts[c->next_seq % (uint64_t)o_pipe] = t;
        c->end += S;
        c->next_seq++;
    }
}
static void e_kill(int ep, econn *c) {
    if (c->state != 2) {
        ep_ctl(ep, EPOLL_CTL_DEL, c->fd, 0, 0);
        close(c->fd);
        c->state = 2;
        e_connerr++;
    }
}
static void e_flush(int ep, econn *c, uint32_t idx) {
    while (c->wr < c->end) {
        ssize_t n = write(c->fd, c->buf + c->wr, c->end - c->wr);
        e_writes++;
        if (n > 0) { c->wr += (size_t)n; continue; }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!c->want_out) { c->want_out = 1; ep_ctl(ep, EPOLL_CTL_MOD, c->fd, EPOLLIN | EPOLLOUT, idx); }
            return;
        }
        if (n < 0 && errno == EINTR) continue;
        e_kill(ep, c);
        return;
    }
    if (c->want_out) { c->want_out = 0; ep_ctl(ep, EPOLL_CTL_MOD, c->fd, EPOLLIN, idx); }
}
static void e_read(int ep, econn *c, uint32_t idx, char *rb, size_t rbsz) {
    ssize_t n = read(c->fd, rb, rbsz);
    e_reads++;
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) { e_kill(ep, c); return; }
    if (n < 0) return;
    uint64_t t = now_ns();
    const char *p = rb;
    size_t left = (size_t)n, S = (size_t)o_size;
    while (left) {
        size_t avail = c->wr - c->head;
        if (!avail) { e_extra += left; break; } /* echoed bytes we never sent */
        size_t pos = (size_t)(c->stream_head % S);
        size_t seg = S - pos;
        if (seg > left) seg = left;
        if (seg > avail) seg = avail;
        if (memcmp(c->buf + c->head, p, seg)) c->cur_bad = 1;
        c->head += seg; c->stream_head += seg; p += seg; left -= seg;
        if (pos + seg == S) {
            if (e_measuring) {
                hrec(t - c->ts[c->done_seq % (uint64_t)o_pipe]);
                e_msgs++;
            }
            if (c->cur_bad) e_mismatch++; /* counted during warm-up too: a wrong byte is wrong */
            c->cur_bad = 0;
            c->done_seq++;
        }
    }
    e_fill(c, idx, t);
    e_flush(ep, c, idx);
}

static int run_echo(void) {
    int C = o_conns;
    if (o_size < 2) { fprintf(stderr, "size must be >= 2\n"); return 2; }
    make_pat(o_size);
    econn *cs = calloc((size_t)C, sizeof *cs);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int pending = 0;
    for (int i = 0; i < C; i++) {
        econn *c = &cs[i];
        c->cap = 2 * (size_t)o_pipe * (size_t)o_size + (size_t)o_size;
        c->buf = malloc(c->cap);
        c->ts = calloc((size_t)o_pipe, sizeof(uint64_t));
        c->fd = start_connect();
        if (c->fd < 0) { fprintf(stderr, "connect: %s\n", strerror(errno)); return 2; }
        ep_ctl(ep, EPOLL_CTL_ADD, c->fd, EPOLLOUT, (uint32_t)i);
        pending++;
    }
    struct epoll_event evs[1024];
    uint64_t tlim = now_ns() + (uint64_t)(o_timeout * 1e9);
    while (pending && now_ns() < tlim) {
        int n = epoll_wait(ep, evs, 1024, 100);
        for (int k = 0; k < n; k++) {
            econn *c = &cs[evs[k].data.u32];
            if (c->state != 0) continue;
            int err = connect_result(c->fd);
            if (err) { fprintf(stderr, "connect: %s\n", strerror(err)); return 2; }
            c->state = 1;
            ep_ctl(ep, EPOLL_CTL_MOD, c->fd, EPOLLIN, evs[k].data.u32);
            pending--;
        }
    }
    if (pending) { fprintf(stderr, "connect timeout (%d pending)\n", pending); return 2; }

    char *rb = malloc(1 << 16);
    uint64_t t0 = now_ns();
    uint64_t t_meas = t0 + (uint64_t)(o_warm * 1e9);
    uint64_t t_end = t_meas + (uint64_t)(o_dur * 1e9);
    for (int i = 0; i < C; i++) { e_fill(&cs[i], (uint32_t)i, t0); e_flush(ep, &cs[i], (uint32_t)i); }
    double cpu0 = 0, scpu0 = 0, mcpu0 = -1;
    uint64_t tm0 = t0;
    e_measuring = 0;
    if (o_warm <= 0) { e_measuring = 1; cpu0 = cpu_self_s(); scpu0 = cpu_srv_s(); mcpu0 = cpu_machine_s(); }
    uint64_t t;
    for (;;) {
        int n = epoll_wait(ep, evs, 1024, 20);
        t = now_ns();
        if (!e_measuring && t >= t_meas) {
            /* rates restart here; mismatch / extra / conn errors keep counting from the start */
            e_measuring = 1; hreset(); e_msgs = e_reads = e_writes = 0;
            tm0 = t; cpu0 = cpu_self_s(); scpu0 = cpu_srv_s(); mcpu0 = cpu_machine_s();
        }
        if (t >= t_end) break;
        for (int k = 0; k < n; k++) {
            uint32_t idx = evs[k].data.u32;
            econn *c = &cs[idx];
            if (c->state != 1) continue;
            if (evs[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) e_read(ep, c, idx, rb, 1 << 16);
            if (c->state == 1 && (evs[k].events & EPOLLOUT)) e_flush(ep, c, idx);
        }
    }
    double secs = (t - tm0) / 1e9;
    double cpu = cpu_self_s() - cpu0, scpu = cpu_srv_s(), mcpu = cpu_machine_s();
    double ocpu = other_cpu(mcpu0, mcpu, scpu0, scpu, cpu, secs);
    uint64_t inflight_dead = 0;
    for (int i = 0; i < C; i++) if (cs[i].state != 1) inflight_dead++;
    uint64_t errors = e_mismatch + (e_extra ? 1 : 0) + e_connerr;
    printf("mode=echo conns=%d pipeline=%d size=%d secs=%.3f msgs=%llu msgs_per_s=%.0f MBps=%.2f "
           "p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f lg_cpu=%.2f srv_cpu=%.2f other_cpu=%.2f "
           "msgs_per_read=%.1f msgs_per_write=%.1f mismatch=%llu extra_bytes=%llu conn_err=%llu dead_conns=%llu errors=%llu\n",
           C, o_pipe, o_size, secs, (unsigned long long)e_msgs, e_msgs / secs,
           e_msgs * (double)o_size / secs / 1e6, hpct_us(50), hpct_us(90), hpct_us(99), hpct_us(99.9),
           hmax / 1000.0, cpu / secs, (scpu >= 0 && scpu0 >= 0) ? (scpu - scpu0) / secs : -1.0, ocpu,
           e_reads ? (double)e_msgs / e_reads : 0.0, e_writes ? (double)e_msgs / e_writes : 0.0, (unsigned long long)e_mismatch, (unsigned long long)e_extra, (unsigned long long)e_connerr,
           (unsigned long long)inflight_dead, (unsigned long long)errors);
    fflush(stdout);
    for (int i = 0; i < C; i++) if (cs[i].state == 1) close(cs[i].fd);
    return 0;
}

/* ================================================================== connrate */
typedef struct {
    int fd, state; /* 0 idle, 1 connecting, 2 waiting echo */
    uint64_t t0;
    size_t got;
} cconn;

static uint64_t c_done, c_err, c_err_connect, c_err_echo, c_err_timeout;
static int c_measuring;

static void c_start(int ep, cconn *c, uint32_t idx, uint64_t t) {
    for (int tries = 0; tries < 3; tries++) {
        c->fd = start_connect();
        if (c->fd >= 0) break;
        { c_err++; c_err_connect++; }
    }
    if (c->fd < 0) { c->state = 0; return; }
    c->state = 1;
    c->t0 = t;
    c->got = 0;
    ep_ctl(ep, EPOLL_CTL_ADD, c->fd, EPOLLOUT, idx);
}
static void c_close(int ep, cconn *c) {
    (void)ep;
    close(c->fd); /* close removes it from the epoll set */
    c->fd = -1;
    c->state = 0;
}

static int run_connrate(void) {
    int K = o_conns;
    make_pat(o_size);
    char *msg = malloc((size_t)o_size);
    memcpy(msg, g_pat, (size_t)o_size - 1);
    msg[o_size - 1] = '\n';
    cconn *cs = calloc((size_t)K, sizeof *cs);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event evs[1024];
    char rb[4096];
    uint64_t t0 = now_ns();
    uint64_t t_meas = t0 + (uint64_t)(o_warm * 1e9);
    uint64_t t_end = t_meas + (uint64_t)(o_dur * 1e9);
    uint64_t tmo = (uint64_t)(o_timeout * 1e9);
    c_measuring = o_warm <= 0;
    double cpu0 = cpu_self_s(), scpu0 = cpu_srv_s(), mcpu0 = cpu_machine_s();
    uint64_t tm0 = t0;
    for (int i = 0; i < K; i++) c_start(ep, &cs[i], (uint32_t)i, t0);
    uint64_t t = t0, last_scan = t0;
    for (;;) {
        int n = epoll_wait(ep, evs, 1024, 20);
        t = now_ns();
        if (!c_measuring && t >= t_meas) {
            c_measuring = 1; hreset(); c_done = 0; /* errors keep counting from the start */
            tm0 = t; cpu0 = cpu_self_s(); scpu0 = cpu_srv_s(); mcpu0 = cpu_machine_s();
        }
        if (t >= t_end) break;
        for (int k = 0; k < n; k++) {
            uint32_t idx = evs[k].data.u32;
            cconn *c = &cs[idx];
            if (c->state == 1) {
                int err = connect_result(c->fd);
                if (err) {
                    { c_err++; c_err_connect++; }
                    c_close(ep, c); c_start(ep, c, idx, t); continue;
                }
                ssize_t w = write(c->fd, msg, (size_t)o_size);
                if (w != o_size) {
                    { c_err++; c_err_connect++; }
                    c_close(ep, c); c_start(ep, c, idx, t); continue;
                }
                c->state = 2;
                ep_ctl(ep, EPOLL_CTL_MOD, c->fd, EPOLLIN, idx);
            } else if (c->state == 2) {
                ssize_t r = read(c->fd, rb, sizeof rb);
                if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
                if (r <= 0 || c->got + (size_t)r > (size_t)o_size || memcmp(rb, msg + c->got, (size_t)r)) {
                    { c_err++; c_err_echo++; }
                    c_close(ep, c); c_start(ep, c, idx, t); continue;
                }
                c->got += (size_t)r;
                if (c->got == (size_t)o_size) {
                    if (c_measuring) { c_done++; hrec(t - c->t0); }
                    c_close(ep, c); c_start(ep, c, idx, t);
                }
            }
        }
        if (t - last_scan > 100000000ull) { /* timeouts / restart failed starters */
            last_scan = t;
            for (int i = 0; i < K; i++) {
                cconn *c = &cs[i];
                if (c->state == 0) { c_start(ep, c, (uint32_t)i, t); continue; }
                if (t - c->t0 > tmo) {
                    { c_err++; c_err_timeout++; }
                    c_close(ep, c); c_start(ep, c, (uint32_t)i, t);
                }
            }
        }
    }
    double secs = (t - tm0) / 1e9;
    double cpu = cpu_self_s() - cpu0, scpu = cpu_srv_s(), mcpu = cpu_machine_s();
    double ocpu = other_cpu(mcpu0, mcpu, scpu0, scpu, cpu, secs);
    printf("mode=connrate connectors=%d size=%d secs=%.3f conns=%llu conns_per_s=%.0f p50_us=%.1f p99_us=%.1f "
           "max_us=%.1f lg_cpu=%.2f srv_cpu=%.2f other_cpu=%.2f err_connect=%llu err_echo=%llu err_timeout=%llu errors=%llu\n",
           K, o_size, secs, (unsigned long long)c_done, c_done / secs, hpct_us(50), hpct_us(99), hmax / 1000.0,
           cpu / secs, (scpu >= 0 && scpu0 >= 0) ? (scpu - scpu0) / secs : -1.0, ocpu,
           (unsigned long long)c_err_connect, (unsigned long long)c_err_echo, (unsigned long long)c_err_timeout,
           (unsigned long long)c_err);
    fflush(stdout);
    for (int i = 0; i < K; i++) if (cs[i].state) close(cs[i].fd);
    return 0;
}

/* ================================================================== idle */
typedef struct { int fd, state; } iconn; /* 0 new, 1 connecting, 2 ping sent, 3 established, 4 failed */

static int run_idle(void) {
    int N = o_idle_n;
    iconn *cs = calloc((size_t)N, sizeof *cs);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event evs[1024];
    char rb[256];
    long rss0 = rss_srv_kb();
    uint64_t t0 = now_ns(), tlim = t0 + (uint64_t)(o_timeout * 1e9) + (uint64_t)N * 1000000ull; /* +1ms/conn */
    int started = 0, pending = 0, est = 0, failed = 0, closed_later = 0;
    while (est + failed < N && now_ns() < tlim) {
        while (started < N && pending < o_pending) {
            iconn *c = &cs[started];
            c->fd = start_connect();
            if (c->fd < 0) { c->state = 4; failed++; started++; continue; }
            c->state = 1;
            ep_ctl(ep, EPOLL_CTL_ADD, c->fd, EPOLLOUT, (uint32_t)started);
            started++;
            pending++;
        }
        int n = epoll_wait(ep, evs, 1024, 100);
        for (int k = 0; k < n; k++) {
            uint32_t idx = evs[k].data.u32;
            iconn *c = &cs[idx];
            if (c->state == 1) {
                if (connect_result(c->fd)) { close(c->fd); c->state = 4; failed++; pending--; continue; }
                if (o_noping) {
                    c->state = 3; est++; pending--;
                    ep_ctl(ep, EPOLL_CTL_MOD, c->fd, EPOLLIN | EPOLLRDHUP, idx);
                } else {
                    if (write(c->fd, "i\n", 2) != 2) { close(c->fd); c->state = 4; failed++; pending--; continue; }
                    c->state = 2;
                    ep_ctl(ep, EPOLL_CTL_MOD, c->fd, EPOLLIN | EPOLLRDHUP, idx);
                }
            } else if (c->state == 2) {
                ssize_t r = read(c->fd, rb, sizeof rb);
                if (r < 0 && errno == EAGAIN) continue;
                /* "i\n" is tiny; a loopback echo arrives in one segment */
                if (r == 2 && rb[0] == 'i' && rb[1] == '\n') { c->state = 3; est++; pending--; }
                else { close(c->fd); c->state = 4; failed++; pending--; }
            } else if (c->state == 3) {
                ssize_t r = read(c->fd, rb, sizeof rb);
                if (r <= 0 && !(r < 0 && errno == EAGAIN)) { close(c->fd); c->state = 4; closed_later++; }
            }
        }
    }
    double setup_ms = (now_ns() - t0) / 1e6;
    printf("established=%d failed=%d setup_ms=%.1f\n", est, failed + (N - started), setup_ms);
    fflush(stdout);
    /* hold; sample server RSS after settle and at the end */
    uint64_t th = now_ns();
    uint64_t t_settle = th + (uint64_t)(o_settle * 1e9), t_end = th + (uint64_t)(o_hold * 1e9);
    long rss1 = -1;
    for (;;) {
        uint64_t t = now_ns();
        if (rss1 < 0 && t >= t_settle) rss1 = rss_srv_kb();
        if (t >= t_end) break;
        int n = epoll_wait(ep, evs, 1024, 50);
        for (int k = 0; k < n; k++) {
            iconn *c = &cs[evs[k].data.u32];
            if (c->state != 3) continue;
            ssize_t r = read(c->fd, rb, sizeof rb);
            if (r <= 0 && !(r < 0 && errno == EAGAIN)) { close(c->fd); c->state = 4; closed_later++; }
        }
    }
    long rss2 = rss_srv_kb();
    if (rss1 < 0) rss1 = rss2;
    int alive = 0;
    for (int i = 0; i < N; i++) if (cs[i].state == 3) alive++;
    double per1 = (est > 0 && rss0 >= 0) ? (rss1 - rss0) * 1024.0 / est : -1;
    double per2 = (est > 0 && rss0 >= 0) ? (rss2 - rss0) * 1024.0 / est : -1;
    printf("mode=idle conns=%d established=%d alive=%d setup_ms=%.1f rss0_kb=%ld rss_settle_kb=%ld rss_end_kb=%ld "
           "bytes_per_conn_settle=%.0f bytes_per_conn=%.0f errors=%d\n",
           N, est, alive, setup_ms, rss0, rss1, rss2, per1, per2, (N - est) + closed_later);
    fflush(stdout);
    for (int i = 0; i < N; i++) if (cs[i].state == 3) close(cs[i].fd);
    return 0;
}

/* ================================================================== main */
static void usage(void) {
    fprintf(stderr,
            "usage: loadgen -m echo|connrate|idle -p PORT [-h 127.0.0.1]\n"
            "  echo:     -c C (50) -P pipeline (16) -s size incl \\n (64) -d secs (5) -w warmup (1)\n"
            "  connrate: -c K connectors (50) -s size (64) -d secs -w warmup\n"
            "  idle:     -n N conns (10000) -H hold secs (5) -k max pending connects (256) -q (no ping)\n"
            "            -e settle secs before first RSS sample (1)\n"
            "  common:   -x SERVER_PID[,PID...] (cpu/rss sampling, summed) -t timeout secs (5)\n");
    exit(2);
}
static void on_alarm(int s) { (void)s; static const char m[] = "loadgen: safety alarm, exiting\n"; (void)!write(2, m, sizeof m - 1); _exit(3); }

int main(int argc, char **argv) {
    int ch;
    while ((ch = getopt(argc, argv, "m:h:p:c:P:s:d:w:n:H:k:qx:t:e:")) != -1) {
        switch (ch) {
        case 'm': o_mode = optarg; break;
        case 'h': o_host = optarg; break;
        case 'p': o_port = atoi(optarg); break;
        case 'c': o_conns = atoi(optarg); break;
        case 'P': o_pipe = atoi(optarg); break;
        case 's': o_size = atoi(optarg); break;
        case 'd': o_dur = atof(optarg); break;
        case 'w': o_warm = atof(optarg); break;
        case 'n': o_idle_n = atoi(optarg); break;
        case 'H': o_hold = atof(optarg); break;
        case 'k': o_pending = atoi(optarg); break;
        case 'q': o_noping = 1; break;
        case 'x':
            for (char *t = optarg; *t && o_nsrvpids < MAX_SRVPIDS; ) {
                char *end;
                long pid = strtol(t, &end, 10);
                if (end == t || pid <= 0) usage();
                o_srvpids[o_nsrvpids++] = (int)pid;
                t = *end == ',' ? end + 1 : end;
                if (*end && *end != ',') usage();
            }
            break;
        case 't': o_timeout = atof(optarg); break;
        case 'e': o_settle = atof(optarg); break;
        default: usage();
        }
    }
    if (o_port <= 0 || o_conns <= 0 || o_pipe <= 0 || o_size < 2 || o_idle_n <= 0 || o_pending <= 0) usage();
    if (o_dur < 0 || o_dur > 600 || o_warm < 0 || o_warm > 60 || o_hold < 0 || o_hold > 600 || o_timeout <= 0 || o_timeout > 60) {
        fprintf(stderr, "durations out of range (D<=600, W<=60, H<=600, t<=60)\n");
        return 2;
    }
    memset(&g_addr, 0, sizeof g_addr);
    g_addr.sin_family = AF_INET;
    g_addr.sin_port = htons((uint16_t)o_port);
    if (inet_pton(AF_INET, o_host, &g_addr.sin_addr) != 1 || (ntohl(g_addr.sin_addr.s_addr) >> 24) != 127) {
        fprintf(stderr, "refusing: host must be a 127.0.0.0/8 IPv4 address\n");
        return 2;
    }
    /* fd limit: raise soft to hard */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
        if (!strcmp(o_mode, "idle") && rl.rlim_cur < (rlim_t)o_idle_n + 64)
            fprintf(stderr, "warning: RLIMIT_NOFILE %lu < N+64\n", (unsigned long)rl.rlim_cur);
    }
    signal(SIGPIPE, SIG_IGN);
    /* hard safety bound on total run time */
    double bound = o_warm + o_dur + o_hold + 2 * o_timeout + (double)o_idle_n * 0.001 + 30;
    signal(SIGALRM, on_alarm);
    alarm((unsigned)bound);
    if (!strcmp(o_mode, "echo")) return run_echo();
    if (!strcmp(o_mode, "connrate")) return run_connrate();
    if (!strcmp(o_mode, "idle")) return run_idle();
    usage();
    return 2;
}
