// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "sluice",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
        .library(name: "SluiceCore", targets: ["SluiceCore"]),
        .library(name: "SluiceSQLite", targets: ["SluiceSQLite"]),
        .library(name: "SluicePostgres", targets: ["SluicePostgres"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // SHA-256 of stored blobs; postgres-nio already builds it.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // zlib from the system, for reading `.gz` inputs as a stream.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // glibc's mallopt, for the worker's arena cap (MemoryArenas).
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        .target(
            name: "SluiceCore",
            dependencies: [
                "CZlib",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "SluiceSQLite",
            dependencies: [
                "SluiceCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "SluicePostgres",
            dependencies: [
                "SluiceCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "sluice",
            dependencies: [
                "CMalloc",
                "SluiceCore",
                "SluiceSQLite",
                "SluicePostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "SluiceCoreTests", dependencies: ["SluiceCore", "SluiceTestSupport"]),
        .testTarget(name: "SluiceSQLiteTests", dependencies: ["SluiceSQLite", "SluiceCore", "SluiceTestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "SluiceCLITests", dependencies: ["SluiceCore", "SluiceSQLite", "SluiceTestSupport"]),
        // The test PostgreSQL server, for the tests that need one.
        .target(name: "SluiceTestSupport", dependencies: ["SluiceCore", "SluicePostgres"], path: "Tests/SluiceTestSupport"),
        // The same test bodies against every driver (River's riverdrivertest is the model).
        .testTarget(name: "SluiceDriverTests", dependencies: ["SluiceCore", "SluiceSQLite", "SluicePostgres", "SluiceTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
