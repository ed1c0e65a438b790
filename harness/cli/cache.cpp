// `testdb cache` and `testdb cache clean`: what the embedded server's data
// directory cache holds (embedded_files.cpp, embedded_spare.cpp) and its
// removal. Everything in the cache belongs to one entry, named
// pg<major>-<server user>:
//   <entry>/                  the initialised data directory (data/, prepared)
//   <entry>.lock              flock()ed while the entry is built or its spare copied
//   <entry>.spare/            the next start's copy (complete when ready)
//   <entry>.spare-tmp-XXXXXX/ a spare being copied, or a dead copier's
//   <entry>.tmp-XXXXXX/       an entry being built, or a dead builder's
// Anything else makes the directory "not a testdb cache": nothing is removed.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <optional>

#include "commands.hpp"
#include "harness/server/embedded_state.hpp"
#include "testdb/errors.hpp"

namespace testdb::cli {
namespace {

namespace fs = std::filesystem;

/// The files of one cache entry, found by name.
struct EntryFiles {
    std::string name;                    ///< pg<major>-<user>
    std::optional<fs::path> entry;       ///< the entry directory, when present
    std::optional<fs::path> lock;        ///< <name>.lock, when present
    std::optional<fs::path> spare;       ///< <name>.spare, when present
    std::vector<fs::path> temporary;     ///< <name>.spare-tmp-* and <name>.tmp-*
    std::uintmax_t entry_bytes = 0;      ///< disk use of the entry directory
    std::uintmax_t spare_bytes = 0;      ///< disk use of the spare
    std::uintmax_t temporary_bytes = 0;  ///< disk use of the temporary copies
    /// Every directory, in the order clean removes them (the lock file is
    /// removed after them, once).
    std::vector<fs::path> directories() const {
        std::vector<fs::path> all = temporary;
        for (const auto* item : {&spare, &entry}) {
            if (*item) {
                all.push_back(**item);
            }
        }
        return all;
    }
    std::uintmax_t bytes() const { return entry_bytes + spare_bytes + temporary_bytes; }
};

// Disk use (allocated blocks) of `path` and everything under it; symbolic
// links are counted, never followed.
std::uintmax_t disk_use(const fs::path& path) {
    const auto blocks = [](const fs::path& item) -> std::uintmax_t {
        struct stat st {};
        return ::lstat(item.c_str(), &st) == 0 ? static_cast<std::uintmax_t>(st.st_blocks) * 512
                                               : 0;
    };
    std::uintmax_t total = blocks(path);
    std::error_code ec;
    if (fs::is_directory(fs::symlink_status(path, ec))) {
        for (fs::recursive_directory_iterator
                 it(path, fs::directory_options::skip_permission_denied, ec),
             end;
             !ec && it != end; it.increment(ec)) {
            total += blocks(it->path());
        }
    }
    return total;
}

std::string human_size(std::uintmax_t bytes) {
    char text[32];
    if (bytes < std::uintmax_t{1024} * 1024) {
        std::snprintf(text, sizeof text, "%.1f KiB", static_cast<double>(bytes) / 1024);
    } else {
        std::snprintf(text, sizeof text, "%.1f MiB",
                      static_cast<double>(bytes) / (1024.0 * 1024.0));
    }
    return text;
}

// "pg15-postgres": the name of a cache entry.
bool is_entry_name(const std::string& name) {
    std::size_t digits = 2;
    while (digits < name.size() && std::isdigit(static_cast<unsigned char>(name[digits])) != 0) {
        ++digits;
    }
    return name.rfind("pg", 0) == 0 && digits > 2 && digits + 1 < name.size() &&
           name[digits] == '-';
}

// Files `item` into the entry it belongs to; false when it belongs to none.
bool classify(const fs::path& item, std::map<std::string, EntryFiles>& entries) {
    const std::string file = item.filename().string();
    std::error_code ec;
    const fs::file_type type = fs::symlink_status(item, ec).type();
    const bool directory = type == fs::file_type::directory;
    const auto belongs = [&](const std::string& suffix, bool whole) -> std::optional<std::string> {
        const auto at = file.rfind(suffix);
        if (at == std::string::npos || (whole && at + suffix.size() != file.size()) ||
            (!whole && at + suffix.size() == file.size()) || !is_entry_name(file.substr(0, at))) {
            return std::nullopt;
        }
        return file.substr(0, at);
    };
    if (auto name = belongs(".lock", true); name && type == fs::file_type::regular) {
        entries[*name].lock = item;
    } else if (auto spare = belongs(".spare", true); spare && directory) {
        entries[*spare].spare = item;
    } else if (auto copy = belongs(".spare-tmp-", false); copy && directory) {
        entries[*copy].temporary.push_back(item);
    } else if (auto build = belongs(".tmp-", false); build && directory) {
        entries[*build].temporary.push_back(item);
    } else if (directory && is_entry_name(file) &&
               (fs::exists(item / "data", ec) || fs::exists(item / "prepared", ec))) {
        entries[file].entry = item;
    } else {
        return false;
    }
    return true;
}

// The cache's entries by name; an empty map when `dir` does not exist.
// Throws ConfigError, touching nothing, when `dir` holds anything that is
// not part of an entry.
std::map<std::string, EntryFiles> scan(const fs::path& dir) {
    std::map<std::string, EntryFiles> entries;
    std::error_code ec;
    const fs::file_status status = fs::status(dir, ec);
    if (!fs::exists(status)) {
        return entries;
    }
    const std::string fix =
        "testdb cache reads and removes only testdb's cache directory. Fix: pass the embedded "
        "server's cache_dir (EmbeddedServerOptions::cache_dir, default /tmp/testdb-cache) as "
        "--cache-dir.";
    if (!fs::is_directory(status)) {
        throw ConfigError(
            "ConfigError: --cache-dir " + dir.string() + " is not a directory. " + fix,
            "--cache-dir", dir.string());
    }
    std::vector<std::string> foreign;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (!classify(it->path(), entries)) {
            foreign.push_back(it->path().filename().string());
        }
    }
    if (ec) {
        throw ConfigError("ConfigError: --cache-dir " + dir.string() + " cannot be read (" +
                              ec.message() +
                              "). Fix: run as its owner or root, or pass another --cache-dir.",
                          "--cache-dir", dir.string());
    }
    if (!foreign.empty()) {
        std::string named = foreign.front();
        if (foreign.size() > 1) {
            named += " and " + std::to_string(foreign.size() - 1) + " more";
        }
        throw ConfigError("ConfigError: --cache-dir " + dir.string() +
                              " does not look like testdb's cache: it holds " + named +
                              ", which is no cache entry (pg<major>-<user>), its .lock, .spare or "
                              "temporary copy; nothing was touched. " +
                              fix,
                          "--cache-dir", dir.string());
    }
    for (auto& [name, files] : entries) {
        files.name = name;
        files.entry_bytes = files.entry ? disk_use(*files.entry) : 0;
        files.spare_bytes = files.spare ? disk_use(*files.spare) : 0;
        for (const fs::path& copy : files.temporary) {
            files.temporary_bytes += disk_use(copy);
        }
    }
    return entries;
}

// Holds an entry's lock (the server's own, detail::try_lock_file) or not.
class EntryLock {
public:
    explicit EntryLock(const fs::path& file) : fd_(detail::try_lock_file(file)) {}
    EntryLock(const EntryLock&) = delete;
    EntryLock& operator=(const EntryLock&) = delete;
    ~EntryLock() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    /// True when this process holds the lock.
    bool held() const { return fd_ >= 0; }

private:
    int fd_;
};

fs::path lock_file(const fs::path& dir, const std::string& name) {
    return detail::lock_of(dir / name);
}

// In use: someone holds the lock now. A missing lock file is held by nobody
// (builders and copiers create it first); it is not created just to look.
bool in_use(const fs::path& dir, const EntryFiles& files) {
    return files.lock && !EntryLock(lock_file(dir, files.name)).held();
}

const char* const kInUseText =
    "in use: a server is building this entry or copying its spare right now (its lock is held)";

void print_entry(const fs::path& dir, const EntryFiles& files) {
    std::cout << "  " << files.name;
    if (files.entry) {
        const std::string major = detail::read_first_line(*files.entry / "data" / "PG_VERSION");
        const std::string user = files.name.substr(files.name.find('-') + 1);
        std::cout << ": PostgreSQL " << (major.empty() ? "(version unknown)" : major)
                  << " data directory for server user " << user << ", "
                  << human_size(files.entry_bytes);
    } else {
        std::cout << ": no entry (only its leftovers)";
    }
    std::cout << "\n    spare: ";
    std::error_code ec;
    if (files.spare && fs::exists(*files.spare / "complete", ec)) {
        std::cout << "ready, " << human_size(files.spare_bytes);
    } else if (files.spare) {
        std::cout << "incomplete, " << human_size(files.spare_bytes);
    } else {
        std::cout << "none";
    }
    const bool busy = in_use(dir, files);
    if (!files.temporary.empty()) {
        std::cout << "\n    temporary copies: " << files.temporary.size() << ", "
                  << human_size(files.temporary_bytes) << (busy ? " (being written)" : " (stale)");
    }
    std::cout << "\n    " << (busy ? kInUseText : "not in use") << "\n";
}

int list(const fs::path& dir, const std::map<std::string, EntryFiles>& entries) {
    std::uintmax_t total = 0;
    std::cout << "testdb cache: " << dir.string() << "\n";
    for (const auto& [name, files] : entries) {
        print_entry(dir, files);
        total += files.bytes();
    }
    std::cout << "total: " << human_size(total) << " in " << entries.size()
              << (entries.size() == 1 ? " entry" : " entries")
              << "; remove what is not in use with `testdb cache clean`" << std::endl;
    return kExitOk;
}

int clean(const fs::path& dir, const std::map<std::string, EntryFiles>& entries) {
    std::uintmax_t freed = 0;
    int failures = 0;
    for (const auto& [name, files] : entries) {
        // Taken, never waited for: a builder or copier at work keeps its entry.
        const EntryLock lock(lock_file(dir, name));
        if (!lock.held()) {
            std::cout << "testdb cache clean: skipped " << name << ": " << kInUseText
                      << "; wait for that start to finish and run `testdb cache clean` again"
                      << std::endl;
            continue;
        }
        bool removed = true;
        const auto remove = [&](const fs::path& doomed, const fs::path& shown) {
            std::error_code ec;
            fs::remove_all(doomed, ec);
            if (ec) {
                removed = false;
                ++failures;
                std::cerr << "testdb cache clean: could not remove " << shown.string() << ": "
                          << ec.message() << ".\nFix: run as its owner or root." << std::endl;
            }
        };
        int renamed = 0;
        for (const fs::path& path : files.directories()) {
            // Renamed out of the way first (atomic): a start claiming the
            // spare by rename gets it whole or not at all, never half
            // removed. What a failed removal leaves reads as a stale
            // temporary copy of the entry.
            const fs::path doomed = dir / (name + ".spare-tmp-clean-" + std::to_string(::getpid()) +
                                           "-" + std::to_string(++renamed));
            std::error_code rename_error;
            fs::rename(path, doomed, rename_error);
            std::error_code gone;
            if (!rename_error) {
                remove(doomed, path);
            } else if (fs::exists(fs::symlink_status(path, gone))) {
                remove(path, path);
            }  // else claimed by a start meanwhile: no longer the cache's
        }
        // Last, once: the lock file (created by taking the lock when missing).
        if (files.lock) {
            remove(*files.lock, *files.lock);
        } else {
            std::error_code ec;
            fs::remove(lock_file(dir, name), ec);
        }
        if (!removed) {
            continue;
        }
        freed += files.bytes();
        std::cout << "testdb cache clean: removed " << name << " (" << human_size(files.bytes())
                  << (files.spare ? ", with its spare" : "")
                  << (files.temporary.empty()
                          ? ""
                          : ", " + std::to_string(files.temporary.size()) + " temporary cop" +
                                (files.temporary.size() == 1 ? "y" : "ies"))
                  << ")" << std::endl;
    }
    std::cout << "testdb cache clean: freed " << human_size(freed) << " in " << dir.string()
              << std::endl;
    return failures == 0 ? kExitOk : kExitFailed;
}

}  // namespace

int cache(const CacheOptions& options) {
    const fs::path dir = fs::absolute(options.cache_dir);
    const auto entries = scan(dir);
    if (entries.empty()) {
        std::cout << "testdb cache: nothing cached in " << dir.string() << std::endl;
        return kExitOk;
    }
    return options.clean ? clean(dir, entries) : list(dir, entries);
}

}  // namespace testdb::cli
