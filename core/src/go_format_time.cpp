// Go's RFC 3339 layouts, time.Duration text and apimachinery's human durations.
#include <array>
#include <cstdio>
#include <limits>

#include "mcpsim/core/go_format.hpp"

namespace mcpsim::core {

namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

// Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard Hinnant's algorithms),
// so years 1-9999 work without gmtime or timegm.
std::int64_t daysFromCivil(std::int64_t year, unsigned month, unsigned day) {
    year -= month <= 2;
    const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
    const auto yearOfEra = static_cast<unsigned>(year - era * 400);
    const unsigned dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const unsigned dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146097 + static_cast<std::int64_t>(dayOfEra) - 719468;
}

struct Civil {
    std::int64_t year;
    unsigned month, day;
};

Civil civilFromDays(std::int64_t days) {
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto dayOfEra = static_cast<unsigned>(days - era * 146097);
    const unsigned yearOfEra =
        (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
    const unsigned dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    const unsigned mp = (5 * dayOfYear + 2) / 153;
    const unsigned day = dayOfYear - (153 * mp + 2) / 5 + 1;
    const unsigned month = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<std::int64_t>(yearOfEra) + era * 400 + (month <= 2), month, day};
}

UnixTime toUnix(WallTime t) {
    const std::int64_t ns = t.time_since_epoch().count();
    std::int64_t seconds = ns / kNanosPerSecond;
    std::int64_t nanos = ns % kNanosPerSecond;
    if (nanos < 0) {
        nanos += kNanosPerSecond;
        --seconds;
    }
    return {seconds, static_cast<std::int32_t>(nanos)};
}

// 2026-11-25T14:46:12 (no zone). Log lines ask for the same second many times over, so the last
// one is kept (per thread: worlds run on threads of their own).
std::string dateAndClock(UnixTime t) {
    thread_local std::int64_t lastSecond = std::numeric_limits<std::int64_t>::min();
    thread_local std::string last;
    if (t.seconds == lastSecond) return last;
    std::int64_t days = t.seconds / 86400;
    std::int64_t inDay = t.seconds % 86400;
    if (inDay < 0) {
        inDay += 86400;
        --days;
    }
    const Civil c = civilFromDays(days);
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02lld:%02lld:%02lld",
                  static_cast<long long>(c.year), c.month, c.day,
                  static_cast<long long>(inDay / 3600), static_cast<long long>(inDay / 60 % 60),
                  static_cast<long long>(inDay % 60));
    lastSecond = t.seconds;
    last = buffer;
    return last;
}

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

// Go's duration units in nanoseconds; µs is spelled with U+00B5 or U+03BC.
std::optional<std::uint64_t> durationUnit(std::string_view unit) {
    if (unit == "ns") return 1;
    if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1000;
    if (unit == "ms") return 1'000'000;
    if (unit == "s") return 1'000'000'000;
    if (unit == "m") return 60'000'000'000ULL;
    if (unit == "h") return 3'600'000'000'000ULL;
    return std::nullopt;
}

constexpr std::uint64_t kTwoTo63 = 1ULL << 63;

// Digits of v / 10^precision after the point, trailing zeros dropped (no point when zero).
std::string fraction(std::uint64_t v, int precision) {
    std::uint64_t scale = 1;
    for (int i = 0; i < precision; ++i) scale *= 10;
    std::uint64_t frac = v % scale;
    if (frac == 0) return "";
    char digits[24];
    digits[0] = '.';
    for (int i = precision; i >= 1; --i, frac /= 10) digits[i] = static_cast<char>('0' + frac % 10);
    std::size_t len = static_cast<std::size_t>(precision) + 1;
    while (digits[len - 1] == '0') --len;
    return std::string(digits, len);
}

}  // namespace

std::string formatRfc3339(UnixTime t) {
    return dateAndClock(t) + "Z";
}

std::string formatRfc3339(WallTime t) {
    return formatRfc3339(toUnix(t));
}

std::string formatRfc3339Nano(WallTime t) {
    const UnixTime u = toUnix(t);
    return dateAndClock(u) + fraction(static_cast<std::uint64_t>(u.nanos), 9) + "Z";
}

std::string formatGoLogTime(WallTime t) {
    std::string text = dateAndClock(toUnix(t));  // 2006-01-02T15:04:05
    text[4] = '/';
    text[7] = '/';
    text[10] = ' ';
    return text;
}

std::optional<UnixTime> parseRfc3339Unix(std::string_view s) {
    std::size_t i = 0;
    auto number = [&](std::size_t width, int& out) {
        if (i + width > s.size()) return false;
        out = 0;
        for (std::size_t k = 0; k < width; ++k) {
            if (!isDigit(s[i + k])) return false;
            out = out * 10 + (s[i + k] - '0');
        }
        i += width;
        return true;
    };
    auto literal = [&](char c) {
        if (i >= s.size() || s[i] != c) return false;
        ++i;
        return true;
    };
    int year, month, day, hour, minute, second;
    if (!number(4, year) || !literal('-') || !number(2, month) || !literal('-') ||
        !number(2, day) || !literal('T') || !number(2, hour) || !literal(':') ||
        !number(2, minute) || !literal(':') || !number(2, second)) {
        return std::nullopt;
    }
    static constexpr std::array<int, 12> kDaysIn = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month < 1 || month > 12 || day < 1 || day > kDaysIn[month - 1] ||
        (month == 2 && day == 29 && !leap) || hour > 23 || minute > 59 || second > 59) {
        return std::nullopt;
    }
    std::int32_t nanos = 0;
    // Go takes a fraction after '.' or ',' though the layout spells none; digits past the ninth
    // are dropped.
    if (i + 1 < s.size() && (s[i] == '.' || s[i] == ',') && isDigit(s[i + 1])) {
        ++i;
        int count = 0;
        for (; i < s.size() && isDigit(s[i]); ++i, ++count) {
            if (count < 9) nanos = nanos * 10 + (s[i] - '0');
        }
        for (; count < 9; ++count) nanos *= 10;
    }
    int offset = 0;
    if (!literal('Z')) {
        if (i >= s.size() || (s[i] != '+' && s[i] != '-')) return std::nullopt;
        const int sign = s[i] == '-' ? -1 : 1;
        ++i;
        int offsetHours, offsetMinutes;
        if (!number(2, offsetHours) || !literal(':') || !number(2, offsetMinutes) ||
            offsetHours > 23 || offsetMinutes > 59) {
            return std::nullopt;
        }
        offset = sign * (offsetHours * 3600 + offsetMinutes * 60);
    }
    if (i != s.size()) return std::nullopt;
    const std::int64_t days =
        daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    return UnixTime{days * 86400 + hour * 3600 + minute * 60 + second - offset, nanos};
}

std::optional<WallTime> parseRfc3339(std::string_view text) {
    const auto t = parseRfc3339Unix(text);
    if (!t) return std::nullopt;
    constexpr std::int64_t kLimit = std::numeric_limits<std::int64_t>::max() / kNanosPerSecond - 1;
    if (t->seconds > kLimit || t->seconds < -kLimit) return std::nullopt;
    return WallTime(Duration(t->seconds * kNanosPerSecond + t->nanos));
}

std::string humanDuration(Duration d) {
    const std::int64_t ns = d.count();
    const auto str = [](std::int64_t v) { return std::to_string(v); };
    const std::int64_t seconds = ns / kNanosPerSecond;  // int(d.Seconds()) truncates toward zero
    if (seconds < -1) return "<invalid>";
    if (seconds < 0) return "0s";
    if (seconds < 60 * 2) return str(seconds) + "s";
    const std::int64_t minutes = seconds / 60;
    if (minutes < 10) {
        const std::int64_t s = seconds % 60;
        return s == 0 ? str(minutes) + "m" : str(minutes) + "m" + str(s) + "s";
    }
    if (minutes < 60 * 3) return str(minutes) + "m";
    const std::int64_t hours = seconds / 3600;
    if (hours < 8) {
        const std::int64_t m = minutes % 60;
        return m == 0 ? str(hours) + "h" : str(hours) + "h" + str(m) + "m";
    }
    if (hours < 48) return str(hours) + "h";
    if (hours < 24 * 8) {
        const std::int64_t h = hours % 24;
        return h == 0 ? str(hours / 24) + "d" : str(hours / 24) + "d" + str(h) + "h";
    }
    if (hours < 24 * 365 * 2) return str(hours / 24) + "d";
    if (hours < 24 * 365 * 8) {
        const std::int64_t days = (hours / 24) % 365;
        return days == 0 ? str(hours / 24 / 365) + "y"
                         : str(hours / 24 / 365) + "y" + str(days) + "d";
    }
    return str(hours / 24 / 365) + "y";
}

std::string goFormatDuration(Duration d) {
    const std::int64_t ns = d.count();
    const bool negative = ns < 0;
    // Magnitude as unsigned so the most negative duration works too.
    std::uint64_t u =
        negative ? ~static_cast<std::uint64_t>(ns) + 1 : static_cast<std::uint64_t>(ns);
    const std::string sign = negative ? "-" : "";
    if (u == 0) return "0s";
    if (u < 1'000'000'000ULL) {
        if (u < 1000) return sign + std::to_string(u) + "ns";
        if (u < 1'000'000) return sign + std::to_string(u / 1000) + fraction(u, 3) + "\xC2\xB5s";
        return sign + std::to_string(u / 1'000'000) + fraction(u, 6) + "ms";
    }
    std::string out = fraction(u, 9) + "s";
    u /= 1'000'000'000ULL;
    out = std::to_string(u % 60) + out;
    u /= 60;
    if (u > 0) {
        out = std::to_string(u % 60) + "m" + out;
        u /= 60;
        if (u > 0) out = std::to_string(u) + "h" + out;
    }
    return sign + out;
}

std::optional<Duration> goParseDuration(std::string_view s) {
    bool negative = false;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        negative = s[0] == '-';
        s.remove_prefix(1);
    }
    if (s == "0") return Duration(0);
    if (s.empty()) return std::nullopt;
    std::uint64_t total = 0;
    while (!s.empty()) {
        if (s[0] != '.' && !isDigit(s[0])) return std::nullopt;
        std::uint64_t whole = 0;
        std::size_t taken = 0;
        for (; taken < s.size() && isDigit(s[taken]); ++taken) {
            if (whole > kTwoTo63 / 10) return std::nullopt;
            whole = whole * 10 + static_cast<std::uint64_t>(s[taken] - '0');
            if (whole > kTwoTo63) return std::nullopt;
        }
        const bool hadWhole = taken > 0;
        s.remove_prefix(taken);
        std::uint64_t frac = 0;
        double scale = 1;
        bool hadFraction = false;
        if (!s.empty() && s[0] == '.') {
            s.remove_prefix(1);
            bool saturated = false;  // further digits no longer add precision
            for (taken = 0; taken < s.size() && isDigit(s[taken]); ++taken) {
                if (saturated) continue;
                if (frac > (kTwoTo63 - 1) / 10) {
                    saturated = true;
                    continue;
                }
                const std::uint64_t next = frac * 10 + static_cast<std::uint64_t>(s[taken] - '0');
                if (next > kTwoTo63) {
                    saturated = true;
                    continue;
                }
                frac = next;
                scale *= 10;
            }
            hadFraction = taken > 0;
            s.remove_prefix(taken);
        }
        if (!hadWhole && !hadFraction) return std::nullopt;  // "." or ".s"
        std::size_t unitLength = 0;
        while (unitLength < s.size() && s[unitLength] != '.' && !isDigit(s[unitLength])) {
            ++unitLength;
        }
        if (unitLength == 0) return std::nullopt;  // missing unit
        const auto unit = durationUnit(s.substr(0, unitLength));
        if (!unit) return std::nullopt;
        s.remove_prefix(unitLength);
        if (whole > kTwoTo63 / *unit) return std::nullopt;
        whole *= *unit;
        if (frac > 0) {
            whole += static_cast<std::uint64_t>(static_cast<double>(frac) *
                                                (static_cast<double>(*unit) / scale));
            if (whole > kTwoTo63) return std::nullopt;
        }
        if (whole > kTwoTo63 - total) return std::nullopt;  // the sum would pass 2^63
        total += whole;
    }
    if (negative) return Duration(static_cast<std::int64_t>(~total + 1));
    if (total > kTwoTo63 - 1) return std::nullopt;
    return Duration(static_cast<std::int64_t>(total));
}

}  // namespace mcpsim::core
