// Tenant references and their resolution against the tenant table.
#include "booking/tenants.hpp"

#include <stdexcept>

#include <pqxx/result>

#include "booking/errors.hpp"
#include "testdb/query.hpp"

namespace booking {

TenantId TenantRef::id() const {
    if (const TenantId* id = std::get_if<TenantId>(&value_)) {
        return *id;
    }
    throw std::logic_error("TenantRef::id() called on " + describe());
}

const std::string& TenantRef::slug() const {
    if (const std::string* slug = std::get_if<std::string>(&value_)) {
        return *slug;
    }
    throw std::logic_error("TenantRef::slug() called on " + describe());
}

std::string TenantRef::describe() const {
    if (isId()) {
        return "tenant id " + std::to_string(std::get<TenantId>(value_).value);
    }
    return "tenant slug \"" + std::get<std::string>(value_) + "\"";
}

ResolvedTenant TenantDirectory::resolve(pqxx::transaction_base& tx, const TenantRef& ref) const {
    // Two separate, typed queries: an id is compared with the id column and
    // a slug with the slug column, and nothing falls back from one to the
    // other (that fallback is how a slug once matched the wrong tenant).
    const pqxx::result rows =
        ref.isId() ? testdb::query(tx, "SELECT id, slug FROM tenants WHERE id = $1", ref.id().value)
                   : testdb::query(tx, "SELECT id, slug FROM tenants WHERE slug = $1", ref.slug());
    if (rows.empty()) {
        throw UnknownTenant("unknown tenant: no " + ref.describe());
    }
    return ResolvedTenant{TenantId{rows[0][0].as<long long>()}, rows[0][1].as<std::string>()};
}

}  // namespace booking
