/// A place in a rule's source text, counted the way a person reading the
/// profile counts: lines from 1, and columns from 1 in Unicode scalars, which
/// is also how the YAML reader counts, so positions can be added to its marks.
struct RulePosition: Sendable, Equatable {
    var line: Int
    var column: Int

    static let start = RulePosition(line: 1, column: 1)
}

/// The words with a meaning of their own. They are matched without regard to
/// case, so `AND`, `And` and `and` are the same; a column with one of these
/// names is written in backticks.
enum RuleKeyword: String, Sendable {
    case and, or, not, `true`, `false`, null
}

/// Operators and parentheses. Both spellings of equality (`=`, `==`) and of
/// inequality (`!=`, `<>`) are accepted because profile authors come from
/// SQL and from programming languages alike.
enum RuleSymbol: Sendable, Equatable {
    case plus, minus, times, divide
    case openParenthesis, closeParenthesis
    case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual
}

/// One meaningful piece of a rule.
enum RuleToken: Sendable, Equatable {
    case name(String)
    case integer(Int64)
    case real(Double)
    case text(String)
    case keyword(RuleKeyword)
    case symbol(RuleSymbol)
    case end
}

/// A token with where it was found and how it was written, so errors can
/// quote the user's own spelling back at them.
struct RuleLexedToken: Sendable {
    var token: RuleToken
    var spelling: String
    var start: RulePosition
}

/// Splits a rule into tokens on demand, so the parser reports the first
/// problem in reading order whether it is a bad token or bad grammar.
struct RuleLexer {
    private let scalars: [Unicode.Scalar]
    private var offset = 0
    private var position = RulePosition.start
    /// Where the last real token ended: the end of input is reported there,
    /// not after trailing blanks or line breaks.
    private var endOfLastToken = RulePosition.start

    init(_ source: String) {
        scalars = Array(source.unicodeScalars)
    }

    mutating func next() throws(RuleSyntaxError) -> RuleLexedToken {
        skipWhitespace()
        guard let first = peek() else {
            return RuleLexedToken(token: .end, spelling: "", start: endOfLastToken)
        }
        let startOffset = offset
        let start = position
        let token: RuleToken
        if first == "`" {
            token = .name(try quoted(by: "`", what: "column name", start: start))
            if case .name("") = token { throw RuleSyntaxError("empty column name", at: start) }
        } else if first == "'" || first == "\"" {
            token = .text(try quoted(by: first, what: "string", start: start))
        } else if Self.isDigit(first) || (first == "." && peek(at: 1).map(Self.isDigit) == true) {
            token = try number(start: start)
        } else if Self.startsName(first) {
            token = word()
        } else if let symbol = symbol() {
            token = .symbol(symbol)
        } else {
            throw RuleSyntaxError(Self.unexpectedCharacterMessage(first), at: start)
        }
        endOfLastToken = position
        let spelling = String(String.UnicodeScalarView(scalars[startOffset..<offset]))
        return RuleLexedToken(token: token, spelling: spelling, start: start)
    }

    // MARK: Pieces

    /// A quoted string or column name; a doubled quote stands for itself.
    private mutating func quoted(by quote: Unicode.Scalar, what: String, start: RulePosition) throws(RuleSyntaxError) -> String {
        advance()
        var content = String.UnicodeScalarView()
        while let scalar = peek() {
            advance()
            if scalar == quote {
                guard peek() == quote else { return String(content) }
                advance()
            }
            content.append(scalar)
        }
        throw RuleSyntaxError("unterminated \(what)", at: start)
    }

    /// Digits with an optional fraction and exponent. Integers that do not
    /// fit 64 bits become reals rather than errors, as in SQLite.
    private mutating func number(start: RulePosition) throws(RuleSyntaxError) -> RuleToken {
        let startOffset = offset
        var isInteger = true
        skipDigits()
        if peek() == "." {
            isInteger = false
            advance()
            skipDigits()
        }
        if let e = peek(), e == "e" || e == "E" {
            let sign = peek(at: 1)
            let digitsAt = (sign == "+" || sign == "-") ? 2 : 1
            guard peek(at: digitsAt).map(Self.isDigit) == true else {
                throw RuleSyntaxError("malformed number: expected digits after '\(Character(e))'", at: start)
            }
            isInteger = false
            for _ in 0..<digitsAt { advance() }
            skipDigits()
        }
        if let next = peek(), Self.continuesName(next) || next == "." {
            throw RuleSyntaxError("malformed number; a column name must start with a letter or '_', or be written in backticks", at: start)
        }
        let text = String(String.UnicodeScalarView(scalars[startOffset..<offset]))
        if isInteger, let integer = Int64(text) { return .integer(integer) }
        guard let real = Double(text) else { throw RuleSyntaxError("malformed number", at: start) }
        return .real(real)
    }

    /// A column name or a keyword.
    private mutating func word() -> RuleToken {
        var name = String.UnicodeScalarView()
        while let scalar = peek(), Self.continuesName(scalar) {
            name.append(scalar)
            advance()
        }
        let word = String(name)
        if let keyword = RuleKeyword(rawValue: word.lowercased()) { return .keyword(keyword) }
        return .name(word)
    }

    private mutating func symbol() -> RuleSymbol? {
        guard let first = peek() else { return nil }
        let second = peek(at: 1)
        let (symbol, length): (RuleSymbol?, Int) = switch (first, second) {
        case ("=", "="): (.equal, 2)
        case ("!", "="): (.notEqual, 2)
        case ("<", ">"): (.notEqual, 2)
        case ("<", "="): (.lessOrEqual, 2)
        case (">", "="): (.greaterOrEqual, 2)
        case ("=", _): (.equal, 1)
        case ("<", _): (.less, 1)
        case (">", _): (.greater, 1)
        case ("+", _): (.plus, 1)
        case ("-", _): (.minus, 1)
        case ("*", _): (.times, 1)
        case ("/", _): (.divide, 1)
        case ("(", _): (.openParenthesis, 1)
        case (")", _): (.closeParenthesis, 1)
        default: (nil, 0)
        }
        for _ in 0..<length { advance() }
        return symbol
    }

    private static func unexpectedCharacterMessage(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "!": return "unexpected '!'; write 'not' to negate, or '!=' for not equal"
        case "&": return "unexpected '&'; write 'and'"
        case "|": return "unexpected '|'; write 'or'"
        default:
            return "unexpected character '\(Self.visible(scalar))'"
        }
    }

    /// A character as it can be shown in a message: invisible ones (control
    /// characters, a byte order mark) by their code.
    private static func visible(_ scalar: Unicode.Scalar) -> String {
        switch scalar.properties.generalCategory {
        case .control, .format, .unassigned, .privateUse, .surrogate, .lineSeparator, .paragraphSeparator:
            var hex = String(scalar.value, radix: 16, uppercase: true)
            while hex.count < 4 { hex = "0" + hex }
            return "U+" + hex
        default:
            return String(scalar)
        }
    }

    // MARK: Moving through the text

    private func peek(at distance: Int = 0) -> Unicode.Scalar? {
        let index = offset + distance
        return index < scalars.count ? scalars[index] : nil
    }

    /// Steps over one scalar, keeping line and column; CR LF counts as one break.
    private mutating func advance() {
        guard let scalar = peek() else { return }
        offset += 1
        if scalar == "\n" || (scalar == "\r" && peek() != "\n") {
            position = RulePosition(line: position.line + 1, column: 1)
        } else if scalar != "\r" {
            position.column += 1
        }
    }

    private mutating func skipWhitespace() {
        while let scalar = peek(), scalar.properties.isWhitespace { advance() }
    }

    private mutating func skipDigits() {
        while let scalar = peek(), Self.isDigit(scalar) { advance() }
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { scalar >= "0" && scalar <= "9" }

    private static func startsName(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar.properties.isAlphabetic
    }

    private static func continuesName(_ scalar: Unicode.Scalar) -> Bool {
        startsName(scalar) || isDigit(scalar)
    }
}
