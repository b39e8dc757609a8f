/*
 * eventbusd plugin ABI.
 *
 * This is the only contract between the host (eventbusd) and an adapter plugin. It is plain C so
 * that a plugin does not depend on the host's compiler, standard library or Poco build. Nothing in
 * here owns memory across the boundary: every pointer the host hands to a plugin is valid only for
 * the duration of the call that received it (unless stated otherwise), and the host copies every
 * byte a plugin hands to it before the call returns.
 *
 * Versioning: a plugin exports exactly one symbol, EVENTBUS_PLUGIN_ENTRY_SYMBOL, returning a
 * descriptor that starts with the ABI version it was built against and the descriptor size.
 *  - The host refuses a plugin whose abi_major differs from its own.
 *  - Minor versions only append fields at the end of structs. Every struct starts with (or carries)
 *    its size so that either side can tell which fields the other knows about: a host reads a
 *    descriptor field only if the plugin's descriptor size covers it, and a plugin reads an
 *    eb_input / eb_host_api field only if the host's size covers it.
 *
 * Threads: create and destroy are called from the host's main thread, never concurrently with any
 * other callback of the same instance. decode may be called concurrently from several host threads
 * (one per listener and several HTTP workers), so a plugin must keep decode free of unsynchronised
 * mutable state. A job executor may run concurrently with decode and with itself.
 *
 * Errors: no C++ exception may cross this boundary. A plugin that fails a callback (returns
 * EB_FAILED, or a create that returns NULL) is reported and disabled by the host; the other plugins
 * keep running. Bad input is not a plugin failure: decode reports it with sink->reject and returns
 * EB_REJECTED.
 */
#ifndef EVENTBUS_PLUGIN_H
#define EVENTBUS_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EB_ABI_MAJOR 1
#define EB_ABI_MINOR 0

/* The one symbol every plugin exports (see EVENTBUS_PLUGIN in plugin.hpp). */
#define EVENTBUS_PLUGIN_ENTRY eventbus_plugin_entry
#define EVENTBUS_PLUGIN_ENTRY_SYMBOL "eventbus_plugin_entry"

/* Event types, the bitmask of the PHP extension (EventBus::TYPE_*). */
enum eb_event_type {
    EB_TYPE_NONE = 0,
    EB_TYPE_EVENT = 1,
    EB_TYPE_JOB = 2,
    EB_TYPE_PURGE = 4,
    EB_TYPE_ALL = 7
};

/* Result of a plugin callback. */
enum eb_status {
    EB_OK = 0,       /* input decoded; everything emitted is accepted as a unit */
    EB_REJECTED = 1, /* input is bad; nothing emitted during this call is kept */
    EB_FAILED = 2    /* the plugin itself is broken; the host disables it */
};

/* Types of plugin configuration keys. The host parses and checks values before create. */
enum eb_config_type {
    EB_CFG_STRING = 0,
    EB_CFG_INT = 1,     /* decimal integer, optional leading '-' */
    EB_CFG_BOOL = 2,    /* true/false/yes/no/on/off/1/0 */
    EB_CFG_DOUBLE = 3,
    EB_CFG_ADDRESS = 4, /* host:port (IPv6 in brackets), port 0..65535 */
    EB_CFG_SECRET = 5   /* string that the host never logs or prints */
};

typedef struct eb_config_key {
    const char *name;          /* key below plugin.<plugin-name>., e.g. "listen" */
    int type;                  /* enum eb_config_type */
    const char *default_value; /* NULL: the key is required when the plugin is enabled */
    const char *doc;           /* one line for operators: shown by --help and in errors */
} eb_config_key;

/* Listener kinds the host can open on a plugin's behalf. The host owns the sockets. */
enum eb_listener_kind {
    EB_LISTEN_UDP = 0,       /* one datagram = one input */
    EB_LISTEN_TCP_LINES = 1, /* newline-delimited stream; one line (without "\n") = one input */
    EB_LISTEN_HTTP = 2,      /* one request body = one input */
    EB_LISTEN_EXEC_LINES = 3 /* a child command's standard output, one line = one input */
};

typedef struct eb_listener_spec {
    uint32_t size;               /* sizeof(eb_listener_spec) as the plugin knows it */
    int kind;                    /* enum eb_listener_kind */
    const char *name;            /* unique within the plugin; appears in metrics and eb_input */
    const char *address;         /* UDP/TCP: host:port. HTTP: NULL for a route on the host's shared
                                    ingress server, or host:port for a server of the plugin's own
                                    (which then receives every request, any path, any method).
                                    EXEC: the command line, run through /bin/sh -c. */
    const char *route;           /* HTTP on the shared server: exact path, e.g. "/v1/events" */
    const char *methods;         /* HTTP: comma-separated methods accepted, e.g. "POST,PURGE";
                                    others get 405. NULL means "POST". */
    const char *multicast_group; /* UDP: an IPv4 group to join, or NULL */
    size_t max_message_bytes;    /* largest datagram, line or body; 0 = host default */
} eb_listener_spec;

typedef struct eb_header {
    const char *name;
    const char *value;
} eb_header;

/* One input handed to decode. Valid only during the call. */
typedef struct eb_input {
    uint32_t size;            /* sizeof(eb_input) as the host knows it */
    int kind;                 /* enum eb_listener_kind of the listener */
    const char *listener;     /* the listener's name as the plugin declared it */
    const char *data;         /* the bytes: datagram, line, or request body (not NUL-terminated) */
    size_t len;
    const char *peer_address; /* textual IP of the sender, or NULL when unknown */
    uint16_t peer_port;
    /* HTTP only; NULL / 0 otherwise. */
    const char *method;
    const char *uri;          /* request target as received: path and query, or absolute-form */
    const char *content_type; /* NULL when absent */
    const eb_header *headers;
    size_t header_count;
} eb_input;

/* One event handed to the host. The host copies every field before emit returns. */
typedef struct eb_event {
    uint32_t size;      /* sizeof(eb_event) as the plugin knows it */
    int type;           /* enum eb_event_type; exactly one bit */
    const char *stream; /* meta.stream, the routing key */
    size_t stream_len;
    const char *id;     /* meta.id; used to match EventGate's per-event failures */
    size_t id_len;
    const char *json;   /* the whole event, compact JSON, as it will be sent */
    size_t json_len;
} eb_event;

/* Where decode puts its results. Host-owned, valid only during the call. Events emitted during
 * one decode call are kept together: all of them if decode returns EB_OK, none otherwise. */
typedef struct eb_sink {
    void *ctx;
    /* Returns 0, or non-zero when the host refuses the event (missing stream or id, bad type);
     * the host has then already recorded the reason, and decode should return EB_REJECTED. */
    int (*emit)(void *ctx, const eb_event *event);
    /* Records why the input is bad. reason is a short metric label (e.g. "malformed_json");
     * message is for the log and, over HTTP, the 400 answer. Call it before returning EB_REJECTED. */
    void (*reject)(void *ctx, const char *reason, const char *message);
    /* HTTP only: the answer to send once the host holds the emitted events. Without a call the
     * host answers 201 with {"ids":[...]} listing the emitted meta.id values. */
    void (*respond)(void *ctx, int status, const char *content_type, const char *body, size_t len);
} eb_sink;

/* The answer of a job executor. Valid only during the executor call. */
typedef struct eb_job_reply {
    void *ctx;
    /* status is the HTTP status the job runner answers with; body is a JSON document or NULL. */
    void (*reply)(void *ctx, int status, const char *json_body, size_t len);
} eb_job_reply;

/* Runs one verified job event (the whole mediawiki/job event as JSON). May run concurrently. */
typedef int (*eb_job_execute_fn)(void *user, const char *job_json, size_t len,
                                 const eb_job_reply *reply);

enum eb_log_level { EB_LOG_ERROR = 3, EB_LOG_WARNING = 4, EB_LOG_INFO = 6, EB_LOG_DEBUG = 7 };

/* What the host offers a plugin. Valid from create until destroy returns. */
typedef struct eb_host_api {
    uint32_t size;      /* sizeof(eb_host_api) as the host knows it */
    uint16_t abi_major;
    uint16_t abi_minor;
    void *host;         /* pass back as the first argument of every function below */
    /* The value of one of the plugin's declared keys (checked, default applied), or NULL for a key
     * the plugin did not declare. The string lives until destroy. */
    const char *(*config_get)(void *host, const char *key);
    /* Declares a listener; only during create. Returns 0, or non-zero with the reason logged. */
    int (*add_listener)(void *host, const eb_listener_spec *spec);
    void (*log)(void *host, int level, const char *message);
    /* The stream name after the operator's stream-name map (EventBusStreamNamesMap). The string
     * lives until destroy. */
    const char *(*resolve_stream)(void *host, const char *default_name);
    /* Registers an executor for one job type ("*" for any) on the job runner; only during create. */
    int (*register_job_executor)(void *host, const char *job_type, eb_job_execute_fn fn, void *user);
} eb_host_api;

typedef struct eb_plugin_descriptor {
    uint16_t abi_major; /* EB_ABI_MAJOR the plugin was built with */
    uint16_t abi_minor; /* EB_ABI_MINOR the plugin was built with */
    uint32_t size;      /* sizeof(eb_plugin_descriptor) as the plugin knows it */
    const char *name;   /* unique among loaded plugins; also the config prefix plugin.<name>. */
    const char *version;
    const char *description;
    const eb_config_key *config_keys;
    size_t config_key_count;
    /* Makes an instance. Returns NULL on failure after writing a message into err. */
    void *(*create)(const eb_host_api *host, char *err, size_t err_len);
    void (*destroy)(void *instance);
    /* Turns one input into zero or more events. Returns enum eb_status. */
    int (*decode)(void *instance, const eb_input *input, const eb_sink *sink);
} eb_plugin_descriptor;

typedef const eb_plugin_descriptor *(*eb_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif
