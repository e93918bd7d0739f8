/// A calendar day, checked against the real calendar (no 30 February).
struct CalendarDay: CustomStringConvertible {
    var year: Int, month: Int, day: Int

    init?(_ bytes: [UInt8], at i: Int) {
        guard bytes.count >= i + 10, bytes[i + 4] == UInt8(ascii: "-"), bytes[i + 7] == UInt8(ascii: "-"),
              let y = Self.number(bytes, i, 4), let m = Self.number(bytes, i + 5, 2), let d = Self.number(bytes, i + 8, 2),
              y >= 1, (1...12).contains(m), d >= 1, d <= Self.daysIn(month: m, year: y) else { return nil }
        (year, month, day) = (y, m, d)
    }

    init(year: Int, month: Int, day: Int) { (self.year, self.month, self.day) = (year, month, day) }

    static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for k in start..<(start + count) {
            guard start + count <= bytes.count, ValueParser.isDigit(bytes[k]) else { return nil }
            value = value * 10 + Int(bytes[k] - 48)
        }
        return value
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's algorithm).
    var daysSinceEpoch: Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64((month + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    init(daysSinceEpoch z0: Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: Int(yoe + era * 400 + (m <= 2 ? 1 : 0)), month: Int(m), day: Int(d))
    }

    var description: String { pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) }
}

/// A moment in UTC with an optional fraction of a second, as Sluice stores timestamps.
struct Timestamp: CustomStringConvertible {
    var unixSeconds: Int64
    /// The fraction's digits as written (`"250"` for `.250`), kept exactly.
    var fraction: String = ""

    init(unixSeconds: Int64, fraction: String = "") {
        self.unixSeconds = unixSeconds
        self.fraction = fraction
    }

    /// Parses `YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z|±HH:MM|±HHMM]`.
    init?(iso8601 b: [UInt8]) {
        guard b.count >= 16, let day = CalendarDay(b, at: 0),
              b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "t"),
              let hour = CalendarDay.number(b, 11, 2), b[13] == UInt8(ascii: ":"),
              let minute = CalendarDay.number(b, 14, 2), hour < 24, minute < 60 else { return nil }
        var i = 16
        var second = 0
        if i < b.count && b[i] == UInt8(ascii: ":") {
            guard let s = CalendarDay.number(b, i + 1, 2), s < 61 else { return nil }
            second = s
            i += 3
            if i < b.count && (b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",")) {
                let start = i + 1
                i = start
                while i < b.count && ValueParser.isDigit(b[i]) { i += 1 }
                guard i > start else { return nil }
                fraction = String(decoding: b[start..<i], as: UTF8.self)
            }
        }
        var offsetSeconds = 0
        if i < b.count {
            if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
                i += 1
            } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
                guard let oh = CalendarDay.number(b, i + 1, 2) else { return nil }
                var j = i + 3
                if j < b.count && b[j] == UInt8(ascii: ":") { j += 1 }
                guard let om = CalendarDay.number(b, j, 2), oh < 24, om < 60 else { return nil }
                offsetSeconds = sign * (oh * 3600 + om * 60)
                i = j + 2
            }
        }
        guard i == b.count else { return nil }
        unixSeconds = day.daysSinceEpoch * 86_400 + Int64(hour * 3600 + minute * 60 + second - offsetSeconds)
    }

    var description: String {
        let days = unixSeconds >= 0 ? unixSeconds / 86_400 : (unixSeconds - 86_399) / 86_400
        let secondsOfDay = Int(unixSeconds - days * 86_400)
        let day = CalendarDay(daysSinceEpoch: days)
        let time = pad(secondsOfDay / 3600, 2) + ":" + pad(secondsOfDay / 60 % 60, 2) + ":" + pad(secondsOfDay % 60, 2)
        return day.description + "T" + time + (fraction.isEmpty ? "" : "." + fraction) + "Z"
    }
}

func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
