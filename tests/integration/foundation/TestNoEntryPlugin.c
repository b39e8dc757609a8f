/* A test-only shared object without the entry symbol: the host must refuse it by name. */
__attribute__((visibility("default"))) int not_an_eventbus_plugin(void) { return 42; }
