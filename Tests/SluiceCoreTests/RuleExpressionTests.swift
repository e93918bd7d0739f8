import Testing
@testable import SluiceCore

@Suite("Rule expressions")
struct RuleExpressionTests {
    /// The outcome of `source` on a row made of `columns`, bound by name.
    private func outcome(_ source: String, _ columns: KeyValuePairs<String, Value> = [:]) throws -> RuleOutcome {
        let names = columns.map(\.key)
        let rule = try RuleExpression.parse(source).bind { name in names.firstIndex(of: name) }
        return rule.evaluate(columns.map(\.value))
    }

    /// What `source` works out to on a row made of `columns`, before it is
    /// judged as a pass or fail, so NULL and non-boolean results can be seen.
    private func evaluated(_ source: String, _ columns: KeyValuePairs<String, Value> = [:]) throws -> RuleValue {
        let names = columns.map(\.key)
        let rule = try RuleExpression.parse(source).bind { name in names.firstIndex(of: name) }
        let evaluator = RuleEvaluator(row: columns.map(\.value)[...], positions: rule.positions, names: rule.names)
        return try evaluator.value(of: rule.root)
    }

    private func grouping(_ source: String) throws -> String {
        try RuleExpression.parse(source).parenthesized
    }

    private func syntaxError(_ source: String) -> RuleSyntaxError? {
        do {
            _ = try RuleExpression.parse(source)
            return nil
        } catch {
            return error
        }
    }

    private func errorMessage(_ outcome: RuleOutcome) -> String? {
        if case .error(let message) = outcome { return message }
        return nil
    }

    // MARK: Grammar

    @Test("multiplication binds tighter than addition, and both tighter than comparison")
    func arithmeticPrecedence() throws {
        #expect(try grouping("1 + 2 * 3") == "(1 + (2 * 3))")
        #expect(try grouping("a * b - c / d >= e") == "(((a * b) - (c / d)) >= e)")
        #expect(try evaluated("1 + 2 * 3") == .integer(7))
        #expect(try evaluated("10 - 4 / 2") == .integer(8))
    }

    @Test("operators of one level group from the left")
    func leftAssociativity() throws {
        #expect(try grouping("a - b - c") == "((a - b) - c)")
        #expect(try grouping("a / b * c") == "((a / b) * c)")
        #expect(try evaluated("10 - 3 - 2") == .integer(5))
        #expect(try evaluated("12 / 3 * 2") == .integer(8))
    }

    @Test("or is weakest, then and, then not, then comparison")
    func logicalPrecedence() throws {
        #expect(try grouping("a or b and c") == "(a or (b and c))")
        #expect(try grouping("not a = b and c") == "((not (a = b)) and c)")
        #expect(try grouping("not not a") == "(not (not a))")
        #expect(try evaluated("true or true and false") == .boolean(true))
        #expect(try evaluated("not 1 = 2") == .boolean(true))
    }

    @Test("parentheses override precedence")
    func parentheses() throws {
        #expect(try grouping("(1 + 2) * 3") == "((1 + 2) * 3)")
        #expect(try grouping("(a or b) and c") == "((a or b) and c)")
        #expect(try evaluated("(1 + 2) * 3") == .integer(9))
        #expect(try evaluated("((((4))))") == .integer(4))
        #expect(try evaluated("(true or true) and false") == .boolean(false))
    }

    @Test("unary minus binds tightest and can repeat")
    func unaryMinus() throws {
        #expect(try grouping("-a * b") == "((-a) * b)")
        #expect(try evaluated("-3 + 5") == .integer(2))
        #expect(try evaluated("- -3") == .integer(3))
        #expect(try evaluated("2 * -3") == .integer(-6))
        #expect(try evaluated("-a", ["a": .real(1.5)]) == .real(-1.5))
        #expect(try evaluated("-a", ["a": .null]) == .null)
        #expect(try evaluated("-a", ["a": .text("7")]) == .integer(-7))
    }

    // MARK: Operators

    @Test("the four arithmetic operators, mixing integers and reals")
    func arithmetic() throws {
        #expect(try evaluated("7 + 2") == .integer(9))
        #expect(try evaluated("7 - 2") == .integer(5))
        #expect(try evaluated("7 * 2") == .integer(14))
        #expect(try evaluated("8 / 2") == .integer(4))
        #expect(try evaluated("7 / 2") == .real(3.5))
        #expect(try evaluated("1 + 0.5") == .real(1.5))
        #expect(try evaluated("a * b", ["a": .integer(3), "b": .real(0.5)]) == .real(1.5))
    }

    @Test("integer overflow continues in reals instead of trapping")
    func overflow() throws {
        #expect(try evaluated("9223372036854775807 + 1") == .real(9223372036854775808.0))
        #expect(try evaluated("-a", ["a": .integer(.min)]) == .real(9223372036854775808.0))
        #expect(try evaluated("a / -1", ["a": .integer(.min)]) == .real(9223372036854775808.0))
        #expect(try evaluated("99999999999999999999") == .real(1e20))
    }

    @Test("every comparison operator and both spellings of equal and not equal", arguments: [
        ("=", [false, true, false]), ("==", [false, true, false]),
        ("!=", [true, false, true]), ("<>", [true, false, true]),
        ("<", [true, false, false]), ("<=", [true, true, false]),
        (">", [false, false, true]), (">=", [false, true, true]),
    ])
    func comparisons(op: String, expected: [Bool]) throws {
        let results = try [1, 2, 3].map { left in try evaluated("\(left) \(op) 2") }
        #expect(results == expected.map(RuleValue.boolean))
    }

    @Test("integers and reals compare by value, exactly")
    func mixedNumbers() throws {
        #expect(try evaluated("1 = 1.0") == .boolean(true))
        #expect(try evaluated("2 > 1.5") == .boolean(true))
        #expect(try evaluated("9007199254740993 > 9007199254740992.0") == .boolean(true))
        #expect(try evaluated("a < 1e30", ["a": .integer(.max)]) == .boolean(true))
    }

    // MARK: NULL

    @Test("and, or and not follow three-valued logic", arguments: [
        ("true", "null", nil, true), ("false", "null", false, nil), ("null", "null", nil, nil),
        ("null", "true", nil, true), ("null", "false", false, nil),
        ("true", "false", false, true), ("true", "true", true, true), ("false", "false", false, false),
    ] as [(String, String, Bool?, Bool?)])
    func threeValuedLogic(left: String, right: String, and: Bool?, or: Bool?) throws {
        #expect(try evaluated("\(left) and \(right)") == (and.map(RuleValue.boolean) ?? .null))
        #expect(try evaluated("\(left) or \(right)") == (or.map(RuleValue.boolean) ?? .null))
    }

    @Test("not of NULL is NULL")
    func notNull() throws {
        #expect(try evaluated("not null") == .null)
        #expect(try evaluated("not true") == .boolean(false))
        #expect(try evaluated("not false") == .boolean(true))
    }

    @Test("arithmetic and comparison with NULL give NULL, even NULL = NULL")
    func nullPropagates() throws {
        #expect(try evaluated("a + 1", ["a": .null]) == .null)
        #expect(try evaluated("1 * null") == .null)
        #expect(try evaluated("a = 1", ["a": .null]) == .null)
        #expect(try evaluated("null = null") == .null)
        #expect(try evaluated("a != 'x'", ["a": .null]) == .null)
    }

    @Test("a NULL result passes, like a SQL CHECK constraint")
    func nullPasses() throws {
        #expect(try outcome("a > 1", ["a": .null]) == .pass)
        #expect(try outcome("null") == .pass)
        #expect(try outcome("a > 1 and false", ["a": .null]) == .fail)
    }

    @Test("division by zero gives NULL, for integers and reals")
    func divisionByZero() throws {
        #expect(try evaluated("1 / 0") == .null)
        #expect(try evaluated("0 / 0") == .null)
        #expect(try evaluated("1.5 / 0.0") == .null)
        #expect(try evaluated("a / b", ["a": .integer(3), "b": .real(0)]) == .null)
        #expect(try outcome("a / b > 1", ["a": .integer(3), "b": .integer(0)]) == .pass)
    }

    // MARK: Text

    @Test("two texts compare as text, even when they look like numbers")
    func textComparison() throws {
        #expect(try evaluated("'apple' < 'banana'") == .boolean(true))
        #expect(try evaluated("a = 'x'", ["a": .text("x")]) == .boolean(true))
        #expect(try evaluated("a <> 'x'", ["a": .text("y")]) == .boolean(true))
        #expect(try evaluated("'10' < '9'") == .boolean(true))
        #expect(try evaluated("start < stop", ["start": .text("2024-01-31"), "stop": .text("2024-02-01")]) == .boolean(true))
    }

    @Test("text that reads as a number compares with a number numerically")
    func numericText() throws {
        #expect(try evaluated("price > 9", ["price": .text("10")]) == .boolean(true))
        #expect(try evaluated("price = 14.5", ["price": .text("14.50")]) == .boolean(true))
        #expect(try evaluated("1e3 = '1000'") == .boolean(true))
        #expect(try evaluated("price * 2", ["price": .text("14.50")]) == .real(29))
        #expect(try evaluated("qty + 1", ["qty": .text("-4")]) == .integer(-3))
    }

    @Test("text that is not a number is an error in arithmetic and in comparison with a number")
    func textTypeErrors() throws {
        let arithmetic = try outcome("stop - start >= 60", ["start": .text("soon"), "stop": .integer(100)])
        #expect(arithmetic == .error("'-' needs numbers, not column 'start' (the text 'soon')"))
        #expect(errorMessage(try outcome("name > 5", ["name": .text("abc")])) == "cannot compare column 'name' (the text 'abc') with the number 5")
        #expect(errorMessage(try outcome("'nan' = 1")) != nil)
        #expect(errorMessage(try outcome("'inf' > 1")) != nil)
    }

    @Test("a doubled quote inside a string stands for the quote itself")
    func doubledQuotes() throws {
        #expect(try outcome("name = 'O''Brien'", ["name": .text("O'Brien")]) == .pass)
        #expect(try evaluated(#"" say ""hi"" ""#) == .text(#" say "hi" "#))
        #expect(try evaluated(#"'say "hi"'"#) == .text(#"say "hi""#))
        #expect(try evaluated("''") == .text(""))
    }

    // MARK: Names and literals

    @Test("keywords are case-insensitive")
    func keywordCase() throws {
        #expect(try evaluated("TRUE AND Not FALSE") == .boolean(true))
        #expect(try evaluated("false OR nOt fAlSe") == .boolean(true))
        #expect(try evaluated("NULL") == .null)
        #expect(try grouping("a AND b Or c") == "((a and b) or c)")
    }

    @Test("names in backticks may hold any character, and a keyword is a name in backticks")
    func backtickNames() throws {
        #expect(try evaluated("`unit price` * `and`", ["unit price": .integer(3), "and": .integer(2)]) == .integer(6))
        #expect(try RuleExpression.parse("`a``b` > 1").columnNames == ["a`b"])
        #expect(try grouping("`unit price` > _x1") == "(`unit price` > _x1)")
    }

    @Test("number literals: integers, decimals and exponents")
    func numberLiterals() throws {
        #expect(try evaluated("60") == .integer(60))
        #expect(try evaluated("0.5") == .real(0.5))
        #expect(try evaluated(".5") == .real(0.5))
        #expect(try evaluated("1e3") == .real(1000))
        #expect(try evaluated("2.5E-1") == .real(0.25))
    }

    @Test("column names are listed once each, in order of first appearance")
    func columnNames() throws {
        let rule = try RuleExpression.parse("stop - start >= 60 and stop - start <= 2592000 or b > a")
        #expect(rule.columnNames == ["stop", "start", "b", "a"])
        #expect(rule.description == "stop - start >= 60 and stop - start <= 2592000 or b > a")
    }

    // MARK: Outcomes

    @Test("the plans rule passes within bounds and fails outside them")
    func plansRule() throws {
        let rule = "stop - start >= 60 and stop - start <= 2592000"
        #expect(try outcome(rule, ["start": .integer(1_700_000_000), "stop": .integer(1_700_003_600)]) == .pass)
        #expect(try outcome(rule, ["start": .integer(1_700_000_000), "stop": .integer(1_700_000_030)]) == .fail)
        #expect(try outcome(rule, ["start": .integer(0), "stop": .integer(2_592_001)]) == .fail)
        #expect(try outcome(rule, ["start": .integer(0), "stop": .integer(60)]) == .pass)
        #expect(try outcome(rule, ["start": .integer(0), "stop": .null]) == .pass)
    }

    @Test("a rule that does not give true or false is an error, not a pass")
    func nonBooleanRule() throws {
        let message = errorMessage(try outcome("stop - start", ["start": .integer(1), "stop": .integer(5)]))
        #expect(message == "the rule must give true or false, not the number 4")
        #expect(errorMessage(try outcome("'yes'")) == "the rule must give true or false, not the text 'yes'")
        #expect(errorMessage(try outcome("1")) != nil)
        #expect(errorMessage(try outcome("(a > 1) + 1", ["a": .integer(2)])) == "'+' needs numbers, not true")
        #expect(errorMessage(try outcome("not 5")) == "'not' needs true or false, not the number 5")
        #expect(errorMessage(try outcome("a and true", ["a": .real(2)])) == "'and' needs true or false, not column 'a' (the number 2.0)")
    }

    @Test("boolean columns, which hold 0 and 1, work as conditions and compare with true and false")
    func booleanColumns() throws {
        #expect(try outcome("active and amount > 0", ["active": .integer(1), "amount": .integer(5)]) == .pass)
        #expect(try outcome("active", ["active": .integer(0)]) == .fail)
        #expect(try outcome("active = true", ["active": .integer(1)]) == .pass)
        #expect(try outcome("not active", ["active": .integer(1)]) == .fail)
        #expect(errorMessage(try outcome("active", ["active": .integer(2)])) != nil)
    }

    @Test("a row is read from the slice's own start, as the mapper passes it")
    func sliceRows() throws {
        let rule = try RuleExpression.parse("b - a = 1").bind { ["a": 0, "b": 1][$0] }
        let values: [Value] = [.integer(100), .integer(200), .integer(5), .integer(6)]
        #expect(rule.evaluate(values[2...]) == .pass)
        #expect(rule.evaluate(values[0..<2]) == .fail)
        #expect(errorMessage(rule.evaluate(values[3...])) == "column 'b' is not in the row")
    }

    // MARK: Errors

    @Test("syntax errors say what is wrong and point at it", arguments: [
        ("stop - >= 60", "expected an operand after '-', not '>='", 1, 8),
        ("(a + b", "expected ')' to close '('", 1, 7),
        ("(a + b   \n", "expected ')' to close '('", 1, 7),
        ("(a b)", "expected an operator or ')' before 'b'", 1, 4),
        ("a and", "expected an operand after 'and'", 1, 6),
        ("a )", "unexpected ')'", 1, 3),
        (") a", "expected an operand, not ')'", 1, 1),
        ("a b", "expected an operator before 'b'", 1, 3),
        ("", "the rule is empty", 1, 1),
        ("  \n ", "the rule is empty", 1, 1),
        ("a < b < c", "comparisons cannot be chained; join them with 'and'", 1, 7),
        ("a = not b", "'not' cannot follow '=' without parentheses", 1, 5),
        ("x = 'abc", "unterminated string", 1, 5),
        ("x = `abc", "unterminated column name", 1, 5),
        ("`` > 1", "empty column name", 1, 1),
        ("a # b", "unexpected character '#'", 1, 3),
        ("a ! b", "unexpected '!'; write 'not' to negate, or '!=' for not equal", 1, 3),
        ("x > 1abc", "malformed number; a column name must start with a letter or '_', or be written in backticks", 1, 5),
        ("x > 1e", "malformed number: expected digits after 'e'", 1, 5),
        ("x > 1.2.3", "malformed number; a column name must start with a letter or '_', or be written in backticks", 1, 5),
        ("a >= 1 and\n   (b + c", "expected ')' to close '('", 2, 10),
        ("a = 1 and\r\n  b >", "expected an operand after '>'", 2, 6),
        ("a = 'x' and\r  b = \"y", "unterminated string", 2, 7),
        ("é + ü ?", "unexpected character '?'", 1, 7),
        ("\u{FEFF}a > 1", "unexpected character 'U+FEFF'", 1, 1),
    ])
    func syntaxErrors(source: String, message: String, line: Int, column: Int) {
        #expect(syntaxError(source) == RuleSyntaxError(message: message, line: line, column: column))
    }

    @Test("chains of and and of or become one node however long they are")
    func flatChains() throws {
        #expect(try grouping("a or b or c") == "(a or b or c)")
        #expect(try grouping("(a or b) or c") == "(a or b or c)")
        #expect(try grouping("a and b or c and d and e") == "((a and b) or (c and d and e))")
        #expect(try grouping("not (a or b) or c") == "((not (a or b)) or c)")
        let alternatives = (1...500).map { "x = \($0)" }.joined(separator: " or ")
        #expect(try outcome(alternatives, ["x": .integer(500)]) == .pass)
        #expect(try outcome(alternatives, ["x": .integer(501)]) == .fail)
    }

    @Test("deep nesting is refused with an error instead of overflowing the stack")
    func deepNesting() throws {
        let limit = RuleParser.maximumDepth
        let parentheses = 10_000
        #expect(try evaluated(String(repeating: "(", count: parentheses) + "1" + String(repeating: ")", count: parentheses)) == .integer(1))
        #expect(syntaxError(String(repeating: "(", count: parentheses) + "1") == RuleSyntaxError(message: "expected ')' to close '('", line: 1, column: parentheses + 2))
        let signs = syntaxError(String(repeating: "-", count: 10_000) + "1")
        #expect(signs == RuleSyntaxError(message: "the rule is nested too deeply (more than \(limit) levels)", line: 1, column: 10_000 - limit + 1))
        #expect(syntaxError(String(repeating: "not ", count: 10_000) + "true") != nil)
        #expect(syntaxError("a" + String(repeating: " + a", count: 10_000)) != nil)
        #expect(try evaluated("1" + String(repeating: " + 1", count: limit - 1)) == .integer(Int64(limit)))
    }

    @Test("an unknown column is reported by name, where it first appears")
    func unknownColumn() {
        let known = ["start": 0, "stop": 1]
        #expect(throws: RuleBindingError(name: "nope", line: 2, column: 5)) {
            try RuleExpression.parse("stop - start >= 60 and\n    nope < 2 and nope > 1").bind { known[$0] }
        }
        #expect(throws: RuleBindingError(name: "weird name", line: 1, column: 1)) {
            try RuleExpression.parse("`weird name` > start").bind { known[$0] }
        }
    }

    @Test("parsing never traps on arbitrary input, and what parses evaluates without trapping")
    func neverTraps() {
        var generator = SeededGenerator(seed: 0x5EED)
        let pieces = ["a", "b", " ", "1", "0", ".", "e", "-", "+", "*", "/", "(", ")", "=", "<", ">", "!", "'", "\"", "`",
                      "and ", "or ", "not ", "null", "true", "1e999", "9223372036854775807", "\n", "\r", "é", "#"]
        let row: [Value] = [.text("x"), .integer(.min)]
        for _ in 0..<3_000 {
            let length = Int.random(in: 1...16, using: &generator)
            let source = (0..<length).map { _ in pieces.randomElement(using: &generator) ?? "" }.joined()
            guard let rule = try? RuleExpression.parse(source), let bound = try? rule.bind({ $0 == "a" ? 0 : 1 }) else { continue }
            _ = bound.evaluate(row)
            _ = rule.parenthesized
        }
    }

}
