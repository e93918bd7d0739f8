/// Turns records into typed rows or rejections: the pure heart of an import.
///
/// For each record: check its shape, decode each field, give it its column's
/// type (or widen the column), apply the column's checks, then the profile's
/// rules. No I/O happens here, so the workers run it in parallel and tests
/// call it directly.
public struct RowMapper: Sendable {
    public let plan: ImportPlan
    public let decoder: FieldDecoder
    /// Per column, just what the fast path needs, free of reference counting.
    private let programs: [ColumnProgram]
    /// The `in:` lists of the columns that have one.
    private let allowedValues: [AllowedTexts]
    /// Positions of decimal columns that rules read.
    private let decimalColumns: [Int]
    /// The plan's rules, bound to row positions.
    private let rules: [BoundRule]
    /// Their numeric programs, when every rule has one and reads no decimal
    /// column (decimals reach rules converted from text).
    private let rulePrograms: [NumericRuleProgram]?

    public init(plan: ImportPlan, decoder: FieldDecoder = FieldDecoder()) {
        self.plan = plan
        self.decoder = decoder
        var allowed: [AllowedTexts] = []
        self.programs = plan.columns.map { column in
            guard let values = column.spec?.allowed else { return ColumnProgram(column, allowedIndex: -1) }
            allowed.append(AllowedTexts(values))
            return ColumnProgram(column, allowedIndex: allowed.count - 1)
        }
        self.allowedValues = allowed
        rules = plan.rules.map(\.rule)
        let ruleColumns = Set(plan.rules.flatMap(\.columnNames).map(HeaderMatcher.normalize))
        self.decimalColumns = plan.columns.indices.filter {
            plan.columns[$0].type == .decimal && ruleColumns.contains(HeaderMatcher.normalize(plan.columns[$0].name))
        }
        let programs = rules.compactMap(\.program)
        rulePrograms = programs.count == rules.count && decimalColumns.isEmpty ? programs : nil
    }

    public func map(_ batch: RecordBatch) -> MappedBatch {
        var out = MappedBatch(source: batch, columnCount: plan.columns.count)
        out.decoder = decoder
        out.values.reserveCapacity(batch.count * plan.columns.count)
        out.recordIndexes.reserveCapacity(batch.count)
        let scratch = ScratchBuffer()
        batch.arena.withUnsafeBufferPointer { arena in
            batch.fields.withUnsafeBufferPointer { fields in
                programs.withUnsafeBufferPointer { programs in
                    allowedValues.withUnsafeBufferPointer { allowed in
                        for index in batch.records.indices {
                            mapRecord(index, of: batch, arena: arena, fields: fields, programs: programs, allowed: allowed,
                                      scratch: scratch, into: &out)
                        }
                    }
                }
            }
        }
        withExtendedLifetime(scratch) {}  // fields may point into it until the last record is mapped
        return out
    }

    @inline(__always)
    private func mapRecord(_ index: Int, of batch: RecordBatch, arena: UnsafeBufferPointer<UInt8>,
                           fields: UnsafeBufferPointer<FieldSpan>, programs: UnsafeBufferPointer<ColumnProgram>,
                           allowed: UnsafeBufferPointer<AllowedTexts>, scratch: ScratchBuffer, into out: inout MappedBatch) {
        let rowStart = out.values.count
        let fieldCount = Int(batch.records[index].fieldCount)
        let firstField = Int(batch.records[index].firstField)
        var errors = batch.records[index].problem == nil && (plan.expectedFieldCount ?? fieldCount) == fieldCount
            ? [] : shapeErrors(batch.records[index])
        if errors.isEmpty {
            for column in 0..<programs.count {
                let program = programs[column]
                var bytes: UnsafeBufferPointer<UInt8>?
                if program.source >= 0 && program.source < fieldCount {
                    bytes = decoder.bytes(fields[firstField + program.source], in: arena, scratch: scratch)
                }
                if let value = program.fastValue(bytes, allowed: allowed) {
                    out.values.append(value)
                    continue
                }
                switch slowValue(column, bytes: bytes, record: batch.records[index], fields: fields, arena: arena,
                                 widened: &out.widenedTypes[column]) {
                case .success(let value): out.values.append(value)
                case .failure(let error): errors.append(error)
                }
            }
        }
        if errors.isEmpty && !rules.isEmpty && !passesRulesQuickly(out.values, from: rowStart) {
            errors = ruleErrors(out.values[rowStart...])
        }
        if errors.isEmpty {
            out.recordIndexes.append(Int32(index))
        } else {
            out.values.removeSubrange(rowStart...)
            out.rejections.append(Self.rejection(batch.records[index], in: batch, decoder: decoder, errors: errors))
        }
    }

    /// Everything the fast path leaves: defaults, required, checks, widening,
    /// and the errors, which need the field as a `String`.
    private func slowValue(_ column: Int, bytes: UnsafeBufferPointer<UInt8>?, record: RecordInfo,
                           fields: UnsafeBufferPointer<FieldSpan>, arena: UnsafeBufferPointer<UInt8>,
                           widened: inout ColumnType?) -> Result<Value, RowError> {
        var text: String?
        if let bytes {
            guard let decoded = FieldDecoder.text(bytes) else {
                let name = plan.columns[column].name
                let span = fields[Int(record.firstField) + (plan.columns[column].source ?? 0)]
                var offset = 0
                if case .invalidUTF8(let at) = decoder.decode(span, in: arena) { offset = at }
                let byte = record.byteOffset + Int64(Int(span.start) - Int(record.rawStart) + offset)
                return .failure(RowError(kind: .encoding, column: name, message: "invalid UTF-8 in column '\(name)' at byte offset \(byte)"))
            }
            text = decoded
        }
        return ValueChecker.value(of: text, for: plan.columns[column], widened: &widened)
    }

    private func shapeErrors(_ record: RecordInfo) -> [RowError] {
        switch record.problem {
        case .malformed(let message)?:
            return [RowError(kind: .malformed, message: message)]
        case .extraKeys(let keys)?:
            return [RowError(kind: .extraColumn, column: keys.first,
                             message: "unknown key\(keys.count == 1 ? "" : "s") \(keys.map { "'\($0)'" }.joined(separator: ", ")): not a column of the table")]
        case nil:
            break
        }
        guard let expected = plan.expectedFieldCount, Int(record.fieldCount) != expected else { return [] }
        let found = Int(record.fieldCount)
        if found < expected {
            let missing = plan.sourceColumns.indices.contains(found) ? " (first missing: '\(plan.sourceColumns[found])')" : ""
            return [RowError(kind: .missingColumn, column: plan.sourceColumns.indices.contains(found) ? plan.sourceColumns[found] : nil,
                             message: "expected \(expected) fields, found \(found)\(missing)")]
        }
        return [RowError(kind: .extraColumn, message: "expected \(expected) fields, found \(found)")]
    }

    /// True when the rules' numeric programs pass the row: nearly every row,
    /// decided without a slice or an error list. False means ask `ruleErrors`.
    @inline(__always)
    private func passesRulesQuickly(_ values: [Value], from rowStart: Int) -> Bool {
        guard let rulePrograms else { return false }
        return values.withUnsafeBufferPointer { all in
            let row = UnsafeBufferPointer(rebasing: all[rowStart...])
            return rulePrograms.withUnsafeBufferPointer { programs in
                programs.allSatisfy { $0.outcome(row) == .pass }
            }
        }
    }

    private func ruleErrors(_ row: ArraySlice<Value>) -> [RowError] {
        var errors: [RowError] = []
        let numeric = decimalsAsNumbers(row)
        // By index: copying each planned rule (its names and message) for every row showed in profiles.
        for index in rules.indices {
            switch rules[index].evaluate(numeric) {
            case .pass: continue
            case .fail:
                errors.append(RowError(kind: .rule, column: nil, value: plan.rules[index].name, message: plan.rules[index].message))
            case .error(let message):
                let name = plan.rules[index].name
                errors.append(RowError(kind: .rule, column: nil, value: name, message: "rule '\(name)': \(message)"))
            }
        }
        return errors
    }

    /// Decimals travel as exact text; rules compare them as the numbers they are.
    private func decimalsAsNumbers(_ row: ArraySlice<Value>) -> ArraySlice<Value> {
        guard !decimalColumns.isEmpty else { return row }
        var converted = Array(row)
        for column in decimalColumns {
            if case .text(let text) = converted[column], let number = Double(text) { converted[column] = .real(number) }
        }
        return converted[...]
    }

    /// A rejected record with its original text and fields (decoded leniently).
    static func rejection(_ record: RecordInfo, in batch: RecordBatch, decoder: FieldDecoder, errors: [RowError]) -> Rejection {
        let raw = batch.arena[Int(record.rawStart)..<Int(record.rawEnd)]
        let fields = (0..<Int(record.fieldCount)).map { index in
            decoder.string(batch.fields[Int(record.firstField) + index], in: batch.arena, lossy: true)
        }
        return Rejection(line: record.line, byteOffset: record.byteOffset,
                         original: String(decoding: raw, as: UTF8.self), fields: fields, errors: errors)
    }
}
