// Private: stop embedded servers when SIGINT or SIGTERM reaches the process,
// then let the signal take its default effect (the exit status stays the
// signal's, so a Ctrl-C'd or timed-out run still looks interrupted).
#pragma once

#include <cstdint>
#include <functional>

namespace testdb::detail {

/// Registers `cleanup`, to run on a background thread when SIGINT, SIGTERM,
/// SIGHUP or SIGPIPE arrives. Installs the handlers (self-pipe + thread) on first use, and
/// re-installs them when something (a test framework) replaced them since.
/// A signal that the process ignores (SIG_IGN) stays ignored.
/// Returns an id for remove_signal_cleanup().
std::uint64_t add_signal_cleanup(std::function<void()> cleanup);

/// Unregisters a cleanup. Blocks while a signal's cleanups are running, so
/// after it returns the cleanup is neither running nor will run. Must not be
/// called while holding a lock that a cleanup takes. Unknown ids are ignored.
void remove_signal_cleanup(std::uint64_t id);

}  // namespace testdb::detail
