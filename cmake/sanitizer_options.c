/* Default sanitizer options, compiled into every executable of a VIXRISK_SANITIZE build
 * (CMakeLists.txt); ASAN_OPTIONS in the environment still adds to and overrides them.
 *
 * intercept_tls_get_addr=0: the runtime of clang 14 guesses the layout of a dynamic TLS block
 * from the block's offset in its page, and where a block lands at that offset the guess takes
 * it for an old glibc's layout. LeakSanitizer then scans a range such as 0x397-0x2000001499 at
 * exit and dies in its tracer thread ("Tracer caught signal 11", google/sanitizers#1322): a
 * test whose every assertion passed fails (test_calib: 2 runs in 6 on a Xeon with Debian 12's
 * clang 14 and glibc 2.36; 6 in 8 with the option forced back on; 0 in 12 with it off). In the
 * runs that did not fail, no dynamic TLS block was recorded at all, and our code keeps no heap
 * pointers in the shared libraries' __thread blocks: not tracking them hides no leak. Static
 * TLS and the stacks are still scanned. */
const char *__asan_default_options(void);

__attribute__((used, visibility("default"))) const char *__asan_default_options(void)
{
    return "intercept_tls_get_addr=0";
}
