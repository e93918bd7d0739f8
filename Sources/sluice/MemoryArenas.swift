#if canImport(Glibc)
import CMalloc
import Glibc
#endif

/// How many malloc arenas a worker process may use: one.
///
/// glibc gives each thread that allocates an arena of its own (up to 8 per
/// core), and memory freed into an arena stays there. A chunk's reader and
/// parser threads live as long as the chunk, and their arenas grew to two
/// to four times what they held: stopped at 66 MiB of anonymous memory, a
/// worker had 72 MB in arenas and 25 MB of it in use (`malloc_stats`). Its
/// peak depended on the run: with its input in PostgreSQL, 56–81 MiB of
/// anonymous memory against 56–60 from a local directory. With one arena
/// it was 49–53 in both over 28 runs, and the workers' CPU did not visibly
/// change (`bench/blobs_postgres.sh`, docs/BENCHMARKS.md). Only `sluice
/// worker` is capped: the one-pass import does not grow so, and its parser
/// threads are its speed on machines with many cores. $MALLOC_ARENA_MAX,
/// when set, wins.
enum MemoryArenas {
    static let workerArenas: Int32 = 1

    /// Call it first thing, before the process starts its threads.
    static func limit(arguments: [String] = CommandLine.arguments) {
        #if canImport(Glibc)
        guard arguments.dropFirst().first == "worker", getenv("MALLOC_ARENA_MAX") == nil else { return }
        mallopt(M_ARENA_MAX, workerArenas)
        #endif
    }
}
