import Foundation

/// An import request as a background job keeps it, for whichever worker
/// runs the job: every choice the user made, and the profile as its YAML
/// text (a worker on another host has no copy of the file). The input
/// itself is in the blob store, under the job's storage key.
public struct StoredImportRequest: Codable, Sendable, Equatable {
    public var table: String?
    public var format: String?
    public var delimiter: UInt8?
    public var quote: UInt8?
    public var hasHeader: Bool?
    public var encoding: String
    public var mode: String?
    public var key: [String]
    public var maxErrors: Int?
    public var maxErrorRatio: Double?
    public var alter: Bool
    public var sampleBytes: Int
    public var emptyQuotedIsNull: Bool
    public var chunks: Int?
    public var profileName: String?
    public var profileYAML: String?
    /// The input's name as the user gave it: for messages only, never a path.
    public var inputName: String
    /// Ranges cut where the input was at hand (`RangeHint.cut`), if any.
    public var rangeHint: RangeHint?

    public init(_ request: ImportRequest) {
        table = request.table
        format = request.format?.rawValue
        delimiter = request.delimiter
        quote = request.quote
        hasHeader = request.hasHeader
        encoding = request.encoding.rawValue
        mode = request.mode?.rawValue
        key = request.key
        maxErrors = request.maxErrors
        maxErrorRatio = request.maxErrorRatio
        alter = request.alter
        sampleBytes = request.sampleBytes
        emptyQuotedIsNull = request.emptyQuotedIsNull
        chunks = request.chunks
        profileName = request.profile?.source
        profileYAML = request.profile?.text
        inputName = request.input
        rangeHint = request.rangeHint
    }

    public func json() throws -> String {
        String(decoding: try JSONEncoder().encode(self), as: UTF8.self)
    }

    public static func from(json: String) throws -> StoredImportRequest {
        try JSONDecoder().decode(StoredImportRequest.self, from: Data(json.utf8))
    }

    /// The request again, reading its input from `storedInput` (and naming it as the user did).
    public func request(storedInput: StoredBlob, workers: Int) throws -> ImportRequest {
        let profile = try profileYAML.map { try ProfileLoader.parse(yaml: $0, file: profileName ?? "profile") }
        var request = ImportRequest(
            input: inputName, table: table ?? profile?.table ?? Identifier.tableName(forFile: inputName), profile: profile,
            format: format.flatMap(InputFormat.init(rawValue:)) ?? InputFormat.guess(fromName: inputName),
            delimiter: delimiter, quote: quote, hasHeader: hasHeader,
            encoding: InputEncoding(rawValue: encoding) ?? .utf8, mode: mode.flatMap(ImportMode.init(rawValue:)), key: key,
            maxErrors: maxErrors, maxErrorRatio: maxErrorRatio, alter: alter, workers: workers,
            sampleBytes: sampleBytes, emptyQuotedIsNull: emptyQuotedIsNull)
        request.chunks = chunks
        request.storedInput = storedInput
        request.rangeHint = rangeHint
        return request
    }
}
