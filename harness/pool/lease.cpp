#include "testdb/lease.hpp"

#include <sstream>

#include "harness/pool/pool_core.hpp"
#include "testdb/errors.hpp"

namespace testdb {

std::string LeaseInfo::describe(std::chrono::steady_clock::time_point now) const {
    std::ostringstream out;
    out.precision(2);
    out << std::fixed << '"' << label << "\" at " << (file.empty() ? "unknown location" : file)
        << ':' << line << " for " << std::chrono::duration<double>(now - since).count() << " s"
        << (in_transaction ? " (in transaction)" : "");
    return out.str();
}

Lease::Lease(Lease&& other) noexcept
    : core_(std::move(other.core_)), slot_(other.slot_), borrowed_(other.borrowed_) {}

Lease& Lease::operator=(Lease&& other) noexcept {
    if (this != &other) {
        release();
        core_ = std::move(other.core_);
        slot_ = other.slot_;
        borrowed_ = other.borrowed_;
    }
    return *this;
}

Lease::~Lease() { release(); }

pqxx::connection& Lease::connection() const {
    if (!core_) {
        throw Error("Error: this Lease is empty (moved from or released).\n"
                    "Fix: acquire a new one with getTestDb().acquire() or use withTransaction().");
    }
    return core_->connection(slot_);
}

LeaseInfo Lease::info() const { return core_ ? core_->info(slot_) : LeaseInfo{}; }

int Lease::backendPid() const {
    if (!core_) {
        return 0;
    }
    return core_->backend_pid(slot_);
}

void Lease::release() noexcept {
    if (core_ && borrowed_) {
        core_->give_back_borrowed(slot_);
        core_.reset();
    } else if (core_) {
        core_->release(slot_);
        core_.reset();
    }
}

bool Lease::serverInTransaction() const {
    return core_ != nullptr && core_->server_in_transaction(slot_);
}

void Lease::setInTransaction(bool in_transaction) noexcept {
    if (core_) {
        core_->set_in_transaction(slot_, in_transaction);
    }
}

}  // namespace testdb
