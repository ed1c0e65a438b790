/// @file booking.hpp
/// @brief Umbrella header of the booking example library.
#pragma once

#include "booking/booking_service.hpp"
#include "booking/bookings.hpp"
#include "booking/catalog.hpp"
#include "booking/catalog_cache.hpp"
#include "booking/errors.hpp"
#include "booking/tenants.hpp"
#include "booking/webhooks.hpp"
