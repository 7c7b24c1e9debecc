/*
 * A real redis-server for unit tests, the way hiredis's test.sh does it: a
 * fresh process in a mkdtemp() directory on a free loopback port, with
 * persistence off, stopped (and its directory removed) in teardown.
 *
 *   rc_rfx_t fx;
 *   if (rc_rfx_start(&fx)) -> skip or fail
 *   ... connect to fx.url ...
 *   rc_rfx_restart(&fx);   // same port, empty data set (tests reconnects)
 *   rc_rfx_stop(&fx);
 *
 * Header-only; every function is static inline so a test that uses only
 * some of them compiles cleanly with -Werror.
 */
#ifndef RC_REDIS_FIXTURE_H
#define RC_REDIS_FIXTURE_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct rc_rfx {
    pid_t pid;
    int port;
    char dir[64];
    char url[64];
} rc_rfx_t;

/* A port the kernel just handed out on 127.0.0.1 (closed again, so there is
 * a small window in which someone else could take it). */
static inline int rc_rfx_free_port(void) {
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

    if (fd < 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

/* Waits until the server answers PING (up to ~5 s). */
static inline int rc_rfx_wait_ready(const rc_rfx_t *fx) {
    for (int i = 0; i < 250; i++) {
        struct timeval tv = {0, 200000};
        redisContext *c = redisConnectWithTimeout("127.0.0.1", fx->port, tv);
        if (c && !c->err) {
            redisReply *rep = redisCommand(c, "PING");
            int ok = rep && rep->type == REDIS_REPLY_STATUS && !strcmp(rep->str, "PONG");
            freeReplyObject(rep);
            redisFree(c);
            if (ok)
                return 0;
        } else if (c) {
            redisFree(c);
        }
        int status;
        if (waitpid(fx->pid, &status, WNOHANG) == fx->pid)
            return -1; /* it died (port taken?) */
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* Starts redis-server on fx->port (already chosen) in fx->dir. */
static inline int rc_rfx_spawn(rc_rfx_t *fx) {
    char port[16], log[128];

    snprintf(port, sizeof(port), "%d", fx->port);
    snprintf(log, sizeof(log), "%s/redis.log", fx->dir);
    fx->pid = fork();
    if (fx->pid < 0)
        return -1;
    if (fx->pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly",
               "no", "--dir", fx->dir, (char *)NULL);
        _exit(127);
    }
    if (rc_rfx_wait_ready(fx)) {
        kill(fx->pid, SIGKILL);
        waitpid(fx->pid, NULL, 0);
        fx->pid = 0;
        return -1;
    }
    return 0;
}

/* Stops the process only (the directory stays, for a restart). */
static inline void rc_rfx_kill(rc_rfx_t *fx) {
    if (fx->pid > 0) {
        kill(fx->pid, SIGTERM);
        waitpid(fx->pid, NULL, 0);
    }
    fx->pid = 0;
}

/* Returns 0 with fx filled in, or -1 (with a line on stderr saying why). */
static inline int rc_rfx_start(rc_rfx_t *fx) {
    memset(fx, 0, sizeof(*fx));
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/rc-redis-XXXXXX");
    if (!mkdtemp(fx->dir)) {
        fprintf(stderr, "redis fixture: mkdtemp: %s\n", strerror(errno));
        return -1;
    }
    /* A port lost to a race makes the spawn fail; try a few. */
    for (int attempt = 0; attempt < 5; attempt++) {
        fx->port = rc_rfx_free_port();
        if (fx->port > 0 && rc_rfx_spawn(fx) == 0) {
            snprintf(fx->url, sizeof(fx->url), "redis://127.0.0.1:%d", fx->port);
            return 0;
        }
    }
    fprintf(stderr, "redis fixture: redis-server did not start (see %s/redis.log)\n", fx->dir);
    return -1;
}

/* A server restart on the same port: the data set is gone (no
 * persistence), as are loaded scripts; open connections break. */
static inline int rc_rfx_restart(rc_rfx_t *fx) {
    rc_rfx_kill(fx);
    return rc_rfx_spawn(fx);
}

/* Stops the server and removes its directory. Safe to call twice. */
static inline void rc_rfx_stop(rc_rfx_t *fx) {
    rc_rfx_kill(fx);
    if (!fx->dir[0])
        return;
    DIR *d = opendir(fx->dir);
    if (d) {
        struct dirent *e;
        char p[384];
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            snprintf(p, sizeof(p), "%s/%s", fx->dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(fx->dir);
    fx->dir[0] = '\0';
}

#endif
