// The spare data directory: a complete copy of a cache entry, prepared in
// the background after a start, so that the next start moves it into place
// with one rename() instead of copying 30-50 MB on its critical path.
//
// Layout next to the cache entry <cache>/<name> (name = pg<major>-<user>):
//   <name>.spare/            at most one per entry, owned by the server user
//     data/                  the copy (cp -a of <name>/data)
//     complete               "<major> <database> <system identifier>" of
//                            the entry, written after the copy succeeded
//   <name>.spare-tmp-XXXXXX/ a copy in progress; renamed to <name>.spare
//                            when complete, so a half copy is never claimed
//   <name>.lock              held (flock) by whoever builds the entry or
//                            prepares its spare; a start waits for it
// A start claims the spare by renaming it into its own server directory:
// of two concurrent starts only one rename succeeds, the other copies.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <thread>

#include "harness/common/log.hpp"
#include "harness/server/embedded_state.hpp"

namespace testdb::detail {
namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

constexpr const char* kCompleteFile = "complete";


// The system identifier initdb wrote to a data directory: the first field
// of global/pg_control, kept by every copy and different for every initdb.
std::string system_identifier(const fs::path& data) {
    std::ifstream control(data / "global" / "pg_control", std::ios::binary);
    std::uint64_t id = 0;
    if (!control.read(reinterpret_cast<char*>(&id), sizeof id)) {
        return "";
    }
    char text[24];
    std::snprintf(text, sizeof text, "%016" PRIx64, id);
    return text;
}

// What a spare of `entry` must say it is a copy of; "" for an unusable entry.
std::string entry_key(const fs::path& entry) {
    const std::string major = read_first_line(entry / "data" / "PG_VERSION");
    const std::string database = read_first_line(entry / "prepared");
    const std::string id = system_identifier(entry / "data");
    if (major.empty() || database.empty() || id.empty()) {
        return "";
    }
    return major + ' ' + database + ' ' + id;
}

// True when `spare` is a complete copy of the entry with `key`, owned by the
// server user: not half copied, not another entry's, not someone else's.
bool is_copy_of(const fs::path& spare, const std::string& key, const ServerUser& user) {
    struct stat st {};
    if (key.empty() || ::lstat(spare.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != user.uid) {
        return false;
    }
    const auto space = key.find(' ');
    return read_first_line(spare / kCompleteFile) == key &&
           read_first_line(spare / "data" / "PG_VERSION") == key.substr(0, space) &&
           system_identifier(spare / "data") == key.substr(key.rfind(' ') + 1);
}

// Waits until nobody holds the entry's lock (a preparer finishing its copy)
// or `wait` has passed.
void wait_for_preparer(const fs::path& lock, milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
        const int fd = try_lock_file(lock);
        if (fd >= 0) {
            ::close(fd);
            return;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return;
        }
        std::this_thread::sleep_for(milliseconds(5));
    }
}

// Removes <name>.spare-tmp-* left by preparers that died. Only with the lock
// held: a live preparer holds it, so every such directory is dead.
void remove_dead_copies(const fs::path& entry) {
    const std::string prefix = entry.filename().string() + ".spare-tmp-";
    std::error_code ec;
    for (fs::directory_iterator it(entry.parent_path(), ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().filename().string().rfind(prefix, 0) == 0) {
            std::error_code ignored;
            fs::remove_all(it->path(), ignored);
        }
    }
}

// The detached copy: sh keeps the lock (its stdin) on descriptor 3 for the
// background subshell and exits at once, so the caller reaps it right away
// and the copy belongs to nobody's process tree when it ends.
const char* const kPrepareScript =
    "exec 3<&0\n"
    "( \"$1\" -n 19 \"$2\" -a --reflink=auto \"$3\" \"$4/data\" &&\n"
    "  printf '%s\\n' \"$5\" > \"$4/complete\" && \"$6\" -T \"$4\" \"$7\" ||\n"
    "  \"$8\" -rf \"$4\" ) </dev/null >/dev/null 2>&1 &\n";

}  // namespace

fs::path spare_of(const fs::path& entry) { return entry.parent_path() / (entry.filename().string() + ".spare"); }
fs::path lock_of(const fs::path& entry) { return entry.parent_path() / (entry.filename().string() + ".lock"); }

int try_lock_file(const fs::path& lock) {
    int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
        fd = ::open(lock.c_str(), O_RDONLY | O_CLOEXEC);
    }
    if (fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        fd = -1;
    }
    return fd;
}

bool claim_spare(const fs::path& entry, const fs::path& dir, const ServerUser& user, milliseconds wait) {
    const fs::path spare = spare_of(entry);
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(spare, ec))) {
        wait_for_preparer(lock_of(entry), wait);
    }
    const fs::path claimed = dir / "spare";
    if (::rename(spare.c_str(), claimed.c_str()) != 0) {
        if (errno != ENOENT) {  // EXDEV: cache and base_dir on different file systems
            log().debug("cannot claim the spare {}: {}", spare.string(), std::strerror(errno));
        }
        return false;
    }
    const bool usable = is_copy_of(claimed, entry_key(entry), user) &&
                        ::rename((claimed / "data").c_str(), (dir / "data").c_str()) == 0;
    if (!usable) {
        log().warn("removed the spare data directory {}: not a complete copy of the cache entry {}",
                   spare.string(), entry.string());
    }
    fs::remove_all(claimed, ec);
    return usable;
}

void prepare_spare(const fs::path& entry, const ServerUser& user) {
    int lock = try_lock_file(lock_of(entry));
    if (lock < 0) {
        return;  // a preparer (or a builder of the entry) is at work
    }
    fs::path copy;
    try {
        std::error_code ec;
        const std::string key = entry_key(entry);
        if (key.empty() || fs::exists(fs::symlink_status(spare_of(entry), ec))) {
            ::close(lock);
            return;  // one spare per entry
        }
        remove_dead_copies(entry);
        copy = make_temp_dir(entry.parent_path() / (entry.filename().string() + ".spare-tmp-XXXXXX"), user);
        const auto tool = [](const char* name) { return find_in_path(name).value_or(fs::path("/bin") / name).string(); };
        // As the caller, like copy_data_dir(): cp -a keeps the server user's
        // ownership, and the cache directory may be writable by the caller only.
        ChildSetup setup;
        setup.new_session = true;  // a terminal's Ctrl-C must not cut the copy short
        setup.close_other_fds = true;
        setup.stdin_fd = lock;
        const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
        setup.stdout_fd = devnull;
        setup.stderr_fd = devnull;
        const StartedChild child = start_child(
            {"/bin/sh", "-c", kPrepareScript, "testdb-spare", tool("nice"), tool("cp"),
             (entry / "data").string(), copy.string(), key, tool("mv"), spare_of(entry).string(), tool("rm")},
            setup);
        ::close(devnull);
        ::close(lock);  // the copy holds it now, until it ends
        lock = -1;
        if (child.failure) {
            log().warn("could not start preparing the spare data directory: {} failed", child.failure->step);
            fs::remove_all(copy, ec);
            return;
        }
        wait_for_exit(child.pid, milliseconds(5000));
    } catch (const std::exception& e) {
        if (lock >= 0) {
            ::close(lock);
        }
        std::error_code ec;
        if (!copy.empty()) {
            fs::remove_all(copy, ec);
        }
        log().warn("could not prepare a spare data directory next to {}: {}", entry.string(), e.what());
    }
}

}  // namespace testdb::detail
