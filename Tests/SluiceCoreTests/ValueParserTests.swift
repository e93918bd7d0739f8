import Testing
@testable import SluiceCore

@Suite("Typing values")
struct ValueParserTests {
    @Test("integers: digits and a minus; leading zeros, plus signs and overflow are not integers")
    func integers() {
        #expect(ValueParser.integer("0") == 0)
        #expect(ValueParser.integer("-42") == -42)
        #expect(ValueParser.integer("9223372036854775807") == Int64.max)
        #expect(ValueParser.integer("-9223372036854775808") == Int64.min)
        for text in ["007", "9223372036854775808", "+1", "1.0", "", "-", "1 ", "٣"] { #expect(ValueParser.integer(text) == nil, "\(text)") }
    }

    @Test("reals and decimals")
    func reals() {
        #expect(ValueParser.real("1.5") == 1.5)
        #expect(ValueParser.real("-2e3") == -2000)
        for text in ["nan", "inf", ".5", "5.", "007.5", "1e", "0x10"] { #expect(ValueParser.real(text) == nil, "\(text)") }
        #expect(ValueParser.decimal("14.50") == "14.50")
        #expect(ValueParser.decimal("+3") == "3")
        #expect(ValueParser.decimal("1e3") == nil)
    }

    @Test("dates must be real calendar days")
    func dates() {
        #expect(ValueParser.date("2024-02-29") == "2024-02-29")
        #expect(ValueParser.date("2023-02-29") == nil)
        #expect(ValueParser.date("2024-13-01") == nil)
        #expect(ValueParser.date("2024-1-01") == nil)
    }

    @Test("timestamps: ISO 8601 with offsets and fractions, or unix seconds, stored as UTC")
    func timestamps() {
        #expect(ValueParser.timestamp("2024-01-31T12:00:00Z") == "2024-01-31T12:00:00Z")
        #expect(ValueParser.timestamp("2024-01-31 12:00") == "2024-01-31T12:00:00Z")
        #expect(ValueParser.timestamp("2024-01-31T12:00:00.250+02:00") == "2024-01-31T10:00:00.250Z")
        #expect(ValueParser.timestamp("2024-01-01T00:30:00+0100") == "2023-12-31T23:30:00Z")
        #expect(ValueParser.timestamp("1704067200") == "2024-01-01T00:00:00Z")
        #expect(ValueParser.timestamp("-1") == "1969-12-31T23:59:59Z")
        #expect(ValueParser.timestamp("2024-01-31T25:00") == nil)
        #expect(ValueParser.timestamp("yesterday") == nil)
    }

    @Test("booleans in profiles, stricter when sniffing")
    func booleans() {
        #expect(ValueParser.parse("Yes", as: .boolean) == .integer(1))
        #expect(ValueParser.parse("0", as: .boolean) == .integer(0))
        #expect(ValueParser.sniff("1") == .integer)
        #expect(ValueParser.sniff("TRUE") == .boolean)
        #expect(ValueParser.sniff("y") == .text)
    }

    @Test("the sniffing ladder and widening")
    func ladder() {
        #expect(Sniffer.type(of: ["1", "2", ""]) == .integer)
        #expect(Sniffer.type(of: ["1", "2.5"]) == .real)
        #expect(Sniffer.type(of: ["1", "x"]) == .text)
        #expect(Sniffer.type(of: ["2024-01-01", "2024-01-01T10:00:00Z"]) == .timestamp)
        #expect(Sniffer.type(of: ["007", "123"]) == .text)
        #expect(Sniffer.type(of: ["0123456789012"]) == .text)
        #expect(Sniffer.type(of: [String]()) == .text)
    }
}

@Suite("Decimal numbers without strtod")
struct ExactDecimalTests {
    @Test("digits ÷ 10^k equals Double(text) wherever it answers", arguments: ["0", "14.50", "-3", "0.1", "123456789012.345", "9.99", "-0.05", "1.", "100"])
    func agreesWithDouble(text: String) {
        var copy = text
        let fast = copy.withUTF8 { ValueParser.exactDecimalNumber($0) }
        #expect(fast == Double(text))
    }

    @Test("too many digits or stray characters defer to Double(_:)")
    func declines() {
        for text in ["1234567890123456", "1e5", "1.2.3", "", "-", "abc"] {
            var copy = text
            #expect(copy.withUTF8 { ValueParser.exactDecimalNumber($0) } == nil, "\(text)")
        }
    }
}
