// Memory sizes as people write them (`500MB`, `4GB`, `0`), and the default budget of the image cache.

import Foundation

/// A number of bytes, read from and shown as decimal units (1 MB = 10^6 bytes, as `--cache-memory` documents).
public struct MemorySize: Sendable, Equatable, Comparable, Codable, CustomStringConvertible {
    public let bytes: Int

    public init(bytes: Int) {
        precondition(bytes >= 0, "MemorySize: negative size")
        self.bytes = bytes
    }

    private static let units: [(suffix: String, factor: Double)] = [
        ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("B", 1),
    ]

    /// Reads `0`, `123` (bytes), `500MB`, `1.5GB`, `64kb`, `2 GB`: a non-negative number with an optional unit
    /// B, KB, MB, GB or TB (any case). Nil for anything else.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        var number = Substring(trimmed)
        var factor = 1.0
        for unit in Self.units where trimmed.hasSuffix(unit.suffix) {
            number = trimmed.dropLast(unit.suffix.count)
            factor = unit.factor
            break
        }
        guard let value = Double(number.trimmingCharacters(in: .whitespaces)), value.isFinite, value >= 0,
              value * factor < Double(Int.max)
        else { return nil }
        self.init(bytes: Int((value * factor).rounded()))
    }

    /// `0 B`, `512 KB`, `1.5 GB`: the largest unit that keeps the number at least 1, three significant digits.
    public var description: String {
        for unit in Self.units where Double(bytes) >= unit.factor {
            let value = Double(bytes) / unit.factor
            let text = value >= 100 || value == value.rounded() ? String(format: "%.0f", value) : String(format: "%.3g", value)
            return "\(text) \(unit.suffix)"
        }
        return "0 B"
    }

    public static func < (lhs: MemorySize, rhs: MemorySize) -> Bool { lhs.bytes < rhs.bytes }

    /// The physical memory of this machine.
    public static var physical: MemorySize { MemorySize(bytes: Int(ProcessInfo.processInfo.physicalMemory)) }

    /// The default budget of the image cache: 1/32 of physical memory, at most 512 MB. That holds a data set
    /// of faces6's size whole, and keeps a training run's memory independent of the number of images: within
    /// 1 GB for task1-small and 2 GB for task1-large, however large the data folder.
    public static var defaultCacheBudget: MemorySize {
        MemorySize(bytes: min(physical.bytes / 32, 512_000_000))
    }
}
