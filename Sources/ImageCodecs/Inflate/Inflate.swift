/// The deflate decoder (RFC 1951) and the zlib wrapper around it (RFC 1950).
///
/// Every call takes a `limit` on the decompressed size and fails as soon as the stream would exceed it,
/// so a small hostile input cannot make us allocate without bound (PNG passes exactly the size its header
/// allows).
public enum Inflate {
    /// Decompresses a raw deflate stream: the bytes and the number of input bytes the stream occupied.
    public static func decompress(
        _ input: UnsafeBufferPointer<UInt8>, limit: Int
    ) throws(InflateError) -> (bytes: [UInt8], consumed: Int) {
        var inflater = Inflater(input, limit: limit)
        let consumed = try inflater.run()
        return (inflater.output.bytes(), consumed)
    }

    /// Decompresses a zlib stream (header, deflate data, Adler-32 checked). Bytes after the stream are ignored.
    public static func zlibDecompress(_ input: UnsafeBufferPointer<UInt8>, limit: Int) throws(InflateError) -> [UInt8] {
        guard input.count >= 2 else { throw .unexpectedEndOfInput }
        let cmf = Int(input[0])
        let flg = Int(input[1])
        guard cmf & 0x0F == 8 else { throw .unsupportedCompressionMethod(cmf & 0x0F) }
        guard cmf >> 4 <= 7 else { throw .invalidWindowSize(cmf >> 4) }
        guard (cmf << 8 | flg) % 31 == 0 else { throw .headerCheckFailed }
        guard flg & 0x20 == 0 else { throw .presetDictionaryNotSupported }

        var inflater = Inflater(UnsafeBufferPointer(rebasing: input[2...]), limit: limit)
        let end = try inflater.run() + 2
        guard end + 4 <= input.count else { throw .unexpectedEndOfInput }
        let stored = UInt32(input[end]) << 24 | UInt32(input[end + 1]) << 16 | UInt32(input[end + 2]) << 8
            | UInt32(input[end + 3])
        let bytes = inflater.output.bytes()
        let computed = Adler32.checksum(bytes)
        guard stored == computed else { throw .adler32Mismatch(stored: stored, computed: computed) }
        return bytes
    }

    public static func zlibDecompress(_ input: [UInt8], limit: Int) throws(InflateError) -> [UInt8] {
        try input.withUnsafeBufferPointer { (input) throws(InflateError) in try zlibDecompress(input, limit: limit) }
    }

    public static func decompress(_ input: [UInt8], limit: Int) throws(InflateError) -> (bytes: [UInt8], consumed: Int) {
        try input.withUnsafeBufferPointer { (input) throws(InflateError) in try decompress(input, limit: limit) }
    }
}

extension Inflate {
    /// Growable output memory with a hard size limit; freed when the decoder is done or fails.
    final class Output {
        private(set) var base: UnsafeMutablePointer<UInt8>
        private(set) var capacity: Int
        let limit: Int

        init(initialCapacity: Int, limit: Int) {
            self.limit = limit
            capacity = min(limit, initialCapacity)
            base = .allocate(capacity: max(1, capacity))
        }

        deinit { base.deallocate() }

        /// Makes room for at least `needed` bytes, of which the first `count` are kept.
        func reserve(_ needed: Int, keeping count: Int) throws(InflateError) {
            guard needed <= limit else { throw .outputLimitExceeded(limit: limit) }
            guard needed > capacity else { return }
            let newCapacity = min(limit, max(needed, capacity * 2))
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            grown.update(from: base, count: count)
            base.deallocate()
            base = grown
            capacity = newCapacity
        }

        var count = 0

        func bytes() -> [UInt8] {
            [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                buffer.baseAddress!.update(from: base, count: count)
                initialized = count
            }
        }
    }

    /// One decompression run: the block loop and the three block decoders.
    struct Inflater {
        private let input: UnsafeBufferPointer<UInt8>
        private var reader: BitReader
        let output: Output

        init(_ input: UnsafeBufferPointer<UInt8>, limit: Int) {
            self.input = input
            reader = BitReader(input)
            // Deflate rarely compresses image data more than 4:1; growing is cheap when it does.
            output = Output(initialCapacity: max(input.count * 4, 1 << 16), limit: limit)
        }

        /// Decodes blocks up to and including the final one; returns the input bytes used.
        mutating func run() throws(InflateError) -> Int {
            var isFinal = false
            while !isFinal {
                isFinal = try reader.read(1) == 1
                switch try reader.read(2) {
                case 0: try copyStoredBlock()
                case 1: try decodeBlock(literalLength: .fixedLiteralLength, distance: .fixedDistance)
                case 2:
                    let (literalLength, distance) = try readDynamicCodes()
                    try decodeBlock(literalLength: literalLength, distance: distance)
                case let type: throw .invalidBlockType(type)
                }
            }
            return try reader.alignAndRewind()
        }

        private mutating func copyStoredBlock() throws(InflateError) {
            let start = try reader.alignAndRewind()
            guard start + 4 <= input.count else { throw .unexpectedEndOfInput }
            let length = UInt16(input[start]) | UInt16(input[start + 1]) << 8
            let complement = UInt16(input[start + 2]) | UInt16(input[start + 3]) << 8
            guard length == ~complement else { throw .storedLengthMismatch(length: length, complement: complement) }
            let count = Int(length)
            guard start + 4 + count <= input.count else { throw .unexpectedEndOfInput }
            try output.reserve(output.count + count, keeping: output.count)
            (output.base + output.count).update(from: input.baseAddress! + start + 4, count: count)
            output.count += count
            reader.seek(to: start + 4 + count)
        }

        /// Reads a dynamic block's header: the code-length code, then the literal/length and distance codes.
        private mutating func readDynamicCodes() throws(InflateError) -> (HuffmanTable, HuffmanTable) {
            let literalCount = try reader.read(5) + 257
            let distanceCount = try reader.read(5) + 1
            let codeLengthCount = try reader.read(4) + 4
            guard literalCount <= 286 && distanceCount <= 30 else {
                throw .tooManyCodes(literalLength: literalCount, distance: distanceCount)
            }
            var codeLengthLengths = [UInt8](repeating: 0, count: 19)
            for i in 0..<codeLengthCount {
                codeLengthLengths[DeflateFormat.codeLengthOrder[i]] = UInt8(try reader.read(3))
            }
            let codeLengthCode = try HuffmanTable(lengths: codeLengthLengths[...], code: .codeLength)

            let total = literalCount + distanceCount
            var lengths = [UInt8](repeating: 0, count: total)
            var index = 0
            while index < total {
                let symbol = try decodeSymbol(codeLengthCode, code: .codeLength)
                if symbol < 16 {
                    lengths[index] = UInt8(symbol)
                    index += 1
                    continue
                }
                let repeated: UInt8
                let run: Int
                switch symbol {
                case 16:
                    guard index > 0 else { throw .repeatWithoutPreviousLength }
                    repeated = lengths[index - 1]
                    run = 3 + (try reader.read(2))
                case 17:
                    repeated = 0
                    run = 3 + (try reader.read(3))
                default:
                    repeated = 0
                    run = 11 + (try reader.read(7))
                }
                guard index + run <= total else { throw .codeLengthsOverflow }
                for i in index..<index + run { lengths[i] = repeated }
                index += run
            }
            guard lengths[DeflateFormat.endOfBlock] > 0 else { throw .missingEndOfBlockCode }
            return (
                try HuffmanTable(lengths: lengths[..<literalCount], code: .literalLength),
                try HuffmanTable(lengths: lengths[literalCount...], code: .distance)
            )
        }

        /// One symbol of `table` (outside the hot loop).
        private mutating func decodeSymbol(_ table: HuffmanTable, code: InflateError.Code) throws(InflateError) -> Int {
            if reader.bitCount < 16 { try reader.refill() }
            let entry = Int(table.fast[Int(reader.buffer & HuffmanTable.fastMask)])
            if entry != 0 {
                reader.consume(entry & 15)
                return entry >> 4
            }
            guard let (symbol, length) = table.decodeSlowly(reader.buffer) else { throw .invalidCode(code) }
            reader.consume(length)
            return symbol
        }

        /// Decodes one Huffman-coded block into the output. The hot loop of the whole PNG decoder.
        private mutating func decodeBlock(literalLength: HuffmanTable, distance: HuffmanTable) throws(InflateError) {
            // Working copies in locals, so the hot state lives in registers rather than behind `self`.
            var reader = self.reader
            var out = output.base
            var capacity = output.capacity
            var count = output.count
            defer {
                output.count = count
                self.reader = reader
            }
            let literalFast = literalLength.fast
            let distanceFast = distance.fast
            while true {
                // 56 bits cover the longest length/distance pair: 15 + 5 + 15 + 13 bits.
                if reader.bitCount < 48 { try reader.refill() }
                var entry = Int(literalFast[Int(reader.buffer & HuffmanTable.fastMask)])
                var symbol: Int
                if entry != 0 {
                    symbol = entry >> 4
                    reader.consume(entry & 15)
                } else {
                    guard let (slowSymbol, length) = literalLength.decodeSlowly(reader.buffer) else {
                        throw .invalidCode(.literalLength)
                    }
                    symbol = slowSymbol
                    reader.consume(length)
                }
                if symbol < 256 {
                    if count == capacity {
                        output.count = count
                        try output.reserve(count + 1, keeping: count)
                        out = output.base
                        capacity = output.capacity
                    }
                    out[count] = UInt8(truncatingIfNeeded: symbol)
                    count += 1
                    continue
                }
                if symbol == DeflateFormat.endOfBlock { return }
                let lengthIndex = symbol - 257
                guard lengthIndex < 29 else { throw .invalidSymbol(symbol, .literalLength) }
                let lengthExtra = Int(DeflateFormat.lengthExtraBits[lengthIndex])
                let matchLength = Int(DeflateFormat.lengthBase[lengthIndex]) + Int(reader.peek(lengthExtra))
                reader.consume(lengthExtra)

                entry = Int(distanceFast[Int(reader.buffer & HuffmanTable.fastMask)])
                if entry != 0 {
                    symbol = entry >> 4
                    reader.consume(entry & 15)
                } else {
                    guard let (slowSymbol, length) = distance.decodeSlowly(reader.buffer) else {
                        throw .invalidCode(.distance)
                    }
                    symbol = slowSymbol
                    reader.consume(length)
                }
                guard symbol < 30 else { throw .invalidSymbol(symbol, .distance) }
                let distanceExtra = Int(DeflateFormat.distanceExtraBits[symbol])
                let matchDistance = Int(DeflateFormat.distanceBase[symbol]) + Int(reader.peek(distanceExtra))
                reader.consume(distanceExtra)
                guard matchDistance <= count else { throw .distanceTooFarBack(distance: matchDistance, available: count) }

                if count + matchLength + 8 > capacity {
                    output.count = count
                    try output.reserve(count + matchLength, keeping: count)
                    out = output.base
                    capacity = output.capacity
                }
                var destination = out + count
                var source = destination - matchDistance
                if matchDistance >= 8 && count + matchLength + 8 <= capacity {
                    // Eight bytes at a time; may write up to 7 bytes past the match, which later output overwrites.
                    let end = destination + matchLength
                    repeat {
                        UnsafeMutableRawPointer(destination).storeBytes(
                            of: UnsafeRawPointer(source).loadUnaligned(as: UInt64.self), as: UInt64.self)
                        destination += 8
                        source += 8
                    } while destination < end
                } else if matchDistance == 1 {
                    destination.update(repeating: source.pointee, count: matchLength)
                } else {
                    for i in 0..<matchLength { destination[i] = source[i] }
                }
                count += matchLength
            }
        }
    }
}
