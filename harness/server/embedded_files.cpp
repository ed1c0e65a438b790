// The file-level steps of the embedded server: finding the binaries, its
// private directory, initdb and the data-directory cache, and removal.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "harness/server/embedded_state.hpp"
#include "harness/common/log.hpp"
#include "testdb/config.hpp"
#include "testdb/errors.hpp"

namespace testdb {
namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

constexpr const char* kOwnerFile = "owner.pid";
constexpr const char* kDetachedFile = "detached";
constexpr const char* kDirPrefix = "testdb-";
constexpr const char* kPreparedFile = "prepared";  // in a cache entry: its database

bool holds_server(const fs::path& dir) {
    for (const char* name : {"initdb", "postgres"}) {
        std::error_code ec;
        if (!fs::is_regular_file(dir / name, ec) || ::access((dir / name).c_str(), X_OK) != 0) {
            return false;
        }
    }
    return true;
}

std::string last_lines(const std::string& text, std::size_t count) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    std::string out;
    for (std::size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i) {
        out += "  " + lines[i] + "\n";
    }
    return out.empty() ? "  (no output)\n" : out;
}

// The major version ("15") of the server in `bin`, memoised per directory.
std::optional<std::string> server_major(const fs::path& bin) {
    static std::mutex mutex;
    static std::map<fs::path, std::string> known;
    const std::lock_guard<std::mutex> lock(mutex);
    if (auto it = known.find(bin); it != known.end()) {
        return it->second;
    }
    // "postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
    const auto result = detail::run_program({(bin / "postgres").string(), "-V"}, milliseconds(10000));
    const auto at = result.output.find(") ");
    if (!result.ok() || at == std::string::npos) {
        return std::nullopt;
    }
    std::string major;
    for (std::size_t i = at + 2; i < result.output.size() && std::isdigit(static_cast<unsigned char>(result.output[i])) != 0; ++i) {
        major += result.output[i];
    }
    if (major.empty()) {
        return std::nullopt;
    }
    return known[bin] = major;
}

// The server user must traverse every directory above its own, or initdb
// and postgres fail with a bare "Permission denied" (think base_dir=/root).
void check_reachable(const fs::path& base, const detail::ServerUser& user) {
    if (!user.switch_user) {
        return;
    }
    fs::path prefix;
    for (const fs::path& part : fs::absolute(base)) {
        prefix /= part;
        struct stat st {};
        if (::stat(prefix.c_str(), &st) != 0) {
            return;  // missing: the caller reports that
        }
        const bool in_group = st.st_gid == user.gid ||
                              std::find(user.groups.begin(), user.groups.end(), st.st_gid) != user.groups.end();
        const mode_t needed = st.st_uid == user.uid ? S_IXUSR : in_group ? S_IXGRP : S_IXOTH;
        if ((st.st_mode & needed) == 0) {
            char mode[8];
            std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
            throw EmbeddedServerError(
                "testdb: base_dir " + base.string() + " is not reachable by the server user '" +
                user.name + "': " + prefix.string() + " has mode " + mode +
                ". PostgreSQL runs as that user and must reach its directory. Fix: use "
                "base_dir=/tmp (the default), or chmod o+x " + prefix.string() + ".");
        }
    }
}

[[noreturn]] void throw_fs(const std::string& what, const fs::path& path) {
    throw fs::filesystem_error(what, path, std::error_code(errno, std::generic_category()));
}

// Holds an exclusive flock() for its lifetime.
class FileLock {
public:
    explicit FileLock(const fs::path& file) {
        fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (fd_ < 0) {
            fd_ = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);  // someone else's lock file
        }
        if (fd_ < 0) {
            throw_fs("cannot open the cache lock", file);
        }
        ::fchmod(fd_, 0666);  // shared by every user of the cache; fails harmlessly if not ours
        while (::flock(fd_, LOCK_EX) != 0) {
            if (errno != EINTR) {
                ::close(fd_);
                throw_fs("cannot lock", file);
            }
        }
    }
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    ~FileLock() { ::close(fd_); }  // closing releases the lock

private:
    int fd_ = -1;
};

// True when `pid` is the postmaster of `data`: its working directory is the
// data directory (postgres chdirs there). Guards against a reused pid.
bool is_postmaster_of(pid_t pid, const fs::path& data) {
    std::error_code ec;
    const fs::path cwd = fs::read_symlink("/proc/" + std::to_string(pid) + "/cwd", ec);
    if (!ec) {
        return cwd == fs::weakly_canonical(data, ec);
    }
    // Not allowed to look (another user's process): accept any "postgres".
    const std::string comm = detail::read_first_line("/proc/" + std::to_string(pid) + "/comm");
    return comm.empty() || comm == "postgres" || comm == "postmaster";
}

}  // namespace

namespace {

fs::path search_bin_dir() {
    std::string searched;
    if (auto configured = setting("TESTDB_PG_BINDIR"); configured && !configured->empty()) {
        if (holds_server(*configured)) {
            return *configured;
        }
        throw EmbeddedServerError("testdb: TESTDB_PG_BINDIR=" + *configured +
                                  " does not hold executable initdb and postgres. Fix: point it at "
                                  "the PostgreSQL server binaries (e.g. /usr/lib/postgresql/15/bin), "
                                  "or unset it to search pg_config, PATH and /usr/lib/postgresql.");
    }
    searched += "TESTDB_PG_BINDIR (unset)";
    if (auto pg_config = detail::find_in_path("pg_config")) {
        auto result = detail::run_program({pg_config->string(), "--bindir"}, milliseconds(10000));
        std::string dir = result.output.substr(0, result.output.find('\n'));
        if (result.ok() && !dir.empty() && holds_server(dir)) {
            return dir;
        }
        searched += ", " + pg_config->string() + " --bindir (" + (dir.empty() ? "no answer" : dir) + ")";
    } else {
        searched += ", pg_config (not in PATH)";
    }
    if (auto initdb = detail::find_in_path("initdb"); initdb && holds_server(initdb->parent_path())) {
        return initdb->parent_path();
    }
    searched += ", initdb in PATH";
    fs::path best;
    double best_version = -1;
    std::error_code ec;
    for (fs::directory_iterator it("/usr/lib/postgresql", ec), end; !ec && it != end; it.increment(ec)) {
        const double version = std::atof(it->path().filename().c_str());
        if (version > best_version && holds_server(it->path() / "bin")) {
            best_version = version;
            best = it->path() / "bin";
        }
    }
    if (!best.empty()) {
        return best;
    }
    searched += ", /usr/lib/postgresql/*/bin";
    throw EmbeddedServerError("testdb: no PostgreSQL server binaries (initdb, postgres) found; searched " +
                              searched + ". Fix: apt-get install postgresql-15, or set "
                              "TESTDB_PG_BINDIR to the directory holding initdb and postgres, or set "
                              "DATABASE_URL_TEST to use a server you already have.");
}

}  // namespace

fs::path EmbeddedServer::findBinDir() {
    // Memoised per (TESTDB_PG_BINDIR, PATH): pg_config is a script that
    // costs tens of milliseconds, and every start() asks.
    static std::mutex mutex;
    static std::map<std::string, fs::path> found;
    const char* path = std::getenv("PATH");
    const std::string key = setting("TESTDB_PG_BINDIR").value_or("") + '\n' + (path ? path : "");
    const std::lock_guard<std::mutex> lock(mutex);
    if (auto it = found.find(key); it != found.end()) {
        return it->second;
    }
    return found[key] = search_bin_dir();
}

namespace detail {

std::string read_first_line(const fs::path& file) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    return line;
}

fs::path make_temp_dir(const fs::path& pattern, const ServerUser& user) {
    std::string name = pattern.string();
    if (::mkdtemp(name.data()) == nullptr) {
        throw_fs("mkdtemp", pattern);
    }
    if (::chmod(name.c_str(), 0700) != 0 ||
        (user.switch_user && ::chown(name.c_str(), user.uid, user.gid) != 0)) {
        const int error = errno;
        ::rmdir(name.c_str());
        errno = error;
        throw_fs("chmod/chown", name);
    }
    return name;
}

fs::path make_server_dir(const fs::path& base, const ServerUser& user) {
    std::error_code ec;
    if (!fs::is_directory(base, ec)) {
        throw EmbeddedServerError("testdb: base_dir " + base.string() +
                                  " does not exist or is not a directory. Fix: create it, or use "
                                  "the default /tmp.");
    }
    // "<base>/testdb-XXXXXX/.s.PGSQL.65535" must fit in sockaddr_un.
    const std::size_t socket_path = fs::absolute(base).string().size() + 30;
    if (socket_path >= sizeof(sockaddr_un{}.sun_path)) {
        throw EmbeddedServerError("testdb: base_dir " + base.string() +
                                  " is too long for a Unix socket path (limit " +
                                  std::to_string(sizeof(sockaddr_un{}.sun_path) - 31) +
                                  " characters). Fix: use a shorter base_dir such as /tmp.");
    }
    check_reachable(base, user);
    fs::path dir;
    try {
        dir = detail::make_temp_dir(base / (std::string(kDirPrefix) + "XXXXXX"), user);
        // Written before anything else, so a crash from here on leaves a
        // directory sweepOrphans() recognises.
        std::ofstream owner(dir / kOwnerFile);
        owner << ::getpid() << ' ' << process_start_time(::getpid()).value_or(0) << '\n';
        if (!owner.flush()) {
            throw_fs("write", dir / kOwnerFile);
        }
    } catch (const fs::filesystem_error& e) {
        if (!dir.empty()) {
            fs::remove_all(dir, ec);
        }
        throw EmbeddedServerError("testdb: cannot create the embedded server directory in base_dir " +
                                  base.string() + ": " + e.what() +
                                  ". Fix: make it writable, or use the default /tmp.");
    }
    return dir;
}

void run_initdb(const fs::path& bin, const fs::path& data, const ServerUser& user) {
    const std::vector<std::string> argv{(bin / "initdb").string(), "-D", data.string(), "-U", "postgres",
                                        "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"};
    const ProgramResult result = run_program(argv, milliseconds(120000), &user, data.parent_path());
    if (!result.ok()) {
        throw EmbeddedServerError("testdb: initdb failed (" + argv.front() + " -D " + data.string() +
                                  ", as user '" + user.name + "'): " + result.status_text() +
                                  ". Its last output:\n" + last_lines(result.output, 20) +
                                  "Fix: check that " + data.parent_path().string() +
                                  " is writable by that user and the disk has space, or set "
                                  "TESTDB_PG_BINDIR to another PostgreSQL.");
    }
}

std::optional<fs::path> cached_data_dir(const fs::path& bin, const ServerUser& user,
                                        const fs::path& cache_dir, const std::string& prepared_database,
                                        const std::function<void(const fs::path&)>& prepare,
                                        bool& built) {
    built = false;
    const std::optional<std::string> major = server_major(bin);
    if (!major) {
        log().warn("cannot tell the version of {}/postgres; not using the cache", bin.string());
        return std::nullopt;
    }
    const std::string name = "pg" + *major + "-" + user.name;
    const fs::path entry = cache_dir / name;
    const fs::path data = entry / "data";
    // Complete entries only ever appear by rename(), so an entry that looks
    // right is right; ownership is checked because the cache is shared, the
    // marker because an entry of another layout must be rebuilt.
    const auto valid = [&] {
        struct stat st {};
        std::error_code ec;
        return ::lstat(entry.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == user.uid &&
               detail::read_first_line(data / "PG_VERSION") == *major &&
               detail::read_first_line(entry / kPreparedFile) == prepared_database &&
               fs::exists(data / "global" / "pg_control", ec);
    };
    if (valid()) {
        return data;
    }
    try {
        if (fs::create_directories(cache_dir)) {
            // Shared by every user of the machine, like /tmp itself.
            fs::permissions(cache_dir, fs::perms::all | fs::perms::sticky_bit);
        }
        const FileLock lock(lock_of(cache_dir / name));
        if (valid()) {
            return data;  // another process built it while we waited
        }
        std::error_code ec;
        if (fs::exists(fs::symlink_status(entry, ec))) {
            log().warn("rebuilding the unusable cache entry {}", entry.string());
            fs::remove_all(entry);
        }
        for (const auto& item : fs::directory_iterator(cache_dir)) {
            const std::string item_name = item.path().filename().string();
            // A builder's or spare preparer's that died (both hold this
            // lock while they work), or the spare of the entry replaced here.
            if (item_name.rfind(name + ".tmp-", 0) == 0 || item_name.rfind(name + ".spare", 0) == 0) {
                fs::remove_all(item.path(), ec);
            }
        }
        const fs::path building = detail::make_temp_dir(cache_dir / (name + ".tmp-XXXXXX"), user);
        try {
            run_initdb(bin, building / "data", user);
            prepare(building);
            std::ofstream(building / kPreparedFile) << prepared_database << '\n';
            fs::rename(building, entry);
        } catch (...) {
            fs::remove_all(building, ec);
            throw;
        }
        built = true;
        log().info("initialised the cached data directory {}", data.string());
        return data;
    } catch (const fs::filesystem_error& e) {
        log().warn("the data directory cache {} is unusable ({}); running initdb without it. "
                   "Fix: make it writable or set cache_dir elsewhere.", cache_dir.string(), e.what());
        return std::nullopt;
    }
}

void copy_data_dir(const fs::path& from, const fs::path& to) {
    const std::string cp = find_in_path("cp").value_or("/bin/cp").string();
    const ProgramResult result =
        run_program({cp, "-a", "--reflink=auto", from.string(), to.string()}, milliseconds(120000));
    if (!result.ok()) {
        throw EmbeddedServerError("testdb: copying the cached data directory " + from.string() +
                                  " to " + to.string() + " failed: " + result.status_text() + "\n" +
                                  last_lines(result.output, 10) + "Fix: delete " +
                                  from.parent_path().string() +
                                  " (it is rebuilt), check free space, or set use_cache=false.");
    }
}

std::string tail_lines(const fs::path& file, std::size_t count) {
    std::ifstream in(file);
    std::ostringstream text;
    text << in.rdbuf();
    return last_lines(text.str(), count);
}

void mark_detached(const fs::path& dir, pid_t postmaster) {
    std::ofstream(dir / kDetachedFile) << postmaster << '\n';
    std::error_code ec;
    fs::remove(dir / kOwnerFile, ec);
}

bool is_orphan(const fs::path& dir) {
    std::error_code ec;
    if (dir.filename().string().rfind(kDirPrefix, 0) != 0 ||
        !fs::is_directory(fs::symlink_status(dir, ec)) || fs::exists(dir / kDetachedFile, ec)) {
        return false;
    }
    std::ifstream owner(dir / kOwnerFile);
    long long pid = 0;
    if (!(owner >> pid) || pid <= 0) {
        return false;  // unreadable (another user's) or not written yet
    }
    unsigned long long started = 0;
    const bool has_start = static_cast<bool>(owner >> started) && started != 0;
    if (!process_alive(static_cast<pid_t>(pid))) {
        return true;
    }
    // Alive, but maybe a later process that reused the number.
    const auto now = process_start_time(static_cast<pid_t>(pid));
    return has_start && now && *now != started;
}

void stop_and_remove(const fs::path& dir) {
    std::error_code ec;
    const bool looks_right = dir.filename().string().rfind(kDirPrefix, 0) == 0 &&
                             (fs::exists(dir / "data", ec) || fs::exists(dir / kOwnerFile, ec) ||
                              fs::exists(dir / kDetachedFile, ec));
    if (!looks_right) {
        throw EmbeddedServerError("testdb: refusing to remove " + dir.string() +
                                  ": it does not look like an embedded server directory (a testdb-* "
                                  "directory holding data/, owner.pid or detached). Fix: pass the "
                                  "directory `testdb up` printed.");
    }
    std::string first = detail::read_first_line(dir / "data" / "postmaster.pid");
    if (first.empty()) {
        first = detail::read_first_line(dir / kDetachedFile);
    }
    const auto pid = static_cast<pid_t>(std::atol(first.c_str()));
    if (pid > 0 && process_alive(pid) && is_postmaster_of(pid, dir / "data")) {
        if (::kill(pid, 0) != 0 && errno == EPERM) {
            throw EmbeddedServerError("testdb: not allowed to stop the PostgreSQL of " + dir.string() +
                                      " (pid " + std::to_string(pid) + ", another user's). Fix: run "
                                      "this as that user or as root.");
        }
        if (!stop_process(pid, SIGQUIT, milliseconds(10000))) {  // immediate: removed next
            log().error("PostgreSQL pid {} of {} survived SIGKILL", pid, dir.string());
        }
    }
    fs::remove_all(dir, ec);
    if (ec) {
        throw EmbeddedServerError("testdb: could not remove " + dir.string() + ": " + ec.message() +
                                  ". Fix: remove it by hand (rm -rf) as root or its owner.");
    }
}

}  // namespace detail
}  // namespace testdb
