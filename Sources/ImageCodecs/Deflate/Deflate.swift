/// The deflate encoder (RFC 1951) and its zlib wrapper (RFC 1950): LZ77 tokens cut into blocks, each block
/// written as dynamic Huffman, fixed Huffman or stored, whichever is smallest.
public enum Deflate {
    /// Tokens per block: each block gets its own Huffman codes, fitted to its part of the data.
    private static let tokensPerBlock = 32768

    /// A raw deflate stream for `input`.
    public static func compress(_ input: [UInt8]) -> [UInt8] {
        input.withUnsafeBufferPointer { input in
            let tokens = LZ77().tokens(for: input)
            var writer = BitWriter(reservingCapacity: input.count / 3 + 64)
            var blockStart = 0
            var inputOffset = 0
            repeat {
                let blockEnd = min(blockStart + tokensPerBlock, tokens.count)
                let block = tokens[blockStart..<blockEnd]
                let byteCount = block.reduce(0) { $0 + ($1.isMatch ? $1.length : 1) }
                writeBlock(
                    block, raw: UnsafeBufferPointer(rebasing: input[inputOffset..<inputOffset + byteCount]),
                    isFinal: blockEnd == tokens.count, to: &writer)
                inputOffset += byteCount
                blockStart = blockEnd
            } while blockStart < tokens.count
            return writer.finish()
        }
    }

    /// A zlib stream (header, deflate data, Adler-32) for `input`.
    public static func zlibCompress(_ input: [UInt8]) -> [UInt8] {
        // CMF 0x78: deflate with a 32 KiB window; FLG 0x9C: default level, no dictionary, check bits.
        var out: [UInt8] = [0x78, 0x9C]
        out += compress(input)
        let adler = Adler32.checksum(input)
        out += [UInt8(adler >> 24), UInt8((adler >> 16) & 0xFF), UInt8((adler >> 8) & 0xFF), UInt8(adler & 0xFF)]
        return out
    }

    // MARK: - Blocks

    private static func symbol(forLength length: Int) -> Int {
        var index = DeflateFormat.lengthBase.count - 1
        while Int(DeflateFormat.lengthBase[index]) > length { index -= 1 }
        return index
    }

    private static func symbol(forDistance distance: Int) -> Int {
        var index = DeflateFormat.distanceBase.count - 1
        while Int(DeflateFormat.distanceBase[index]) > distance { index -= 1 }
        return index
    }

    /// Code lengths of one code-length sequence, run-length coded with symbols 16 (repeat previous),
    /// 17 and 18 (runs of zeros): (symbol, extra-bits value) pairs.
    private static func runLengthCoded(_ lengths: [UInt8]) -> [(symbol: Int, extra: Int)] {
        var out: [(Int, Int)] = []
        var i = 0
        while i < lengths.count {
            let value = lengths[i]
            var run = 1
            while i + run < lengths.count && lengths[i + run] == value { run += 1 }
            i += run
            if value == 0 {
                while run >= 11 { let r = min(run, 138); out.append((18, r - 11)); run -= r }
                if run >= 3 { out.append((17, run - 3)); run = 0 }
                while run > 0 { out.append((0, 0)); run -= 1 }
            } else {
                out.append((Int(value), 0))
                run -= 1
                while run >= 3 { let r = min(run, 6); out.append((16, r - 3)); run -= r }
                while run > 0 { out.append((Int(value), 0)); run -= 1 }
            }
        }
        return out
    }

    private static let codeLengthExtraBits = [16: 2, 17: 3, 18: 7]

    private static func writeBlock(
        _ tokens: ArraySlice<LZ77.Token>, raw: UnsafeBufferPointer<UInt8>, isFinal: Bool, to writer: inout BitWriter
    ) {
        var literalFrequencies = [Int](repeating: 0, count: 286)
        var distanceFrequencies = [Int](repeating: 0, count: 30)
        for token in tokens {
            if token.isMatch {
                literalFrequencies[257 + symbol(forLength: token.length)] += 1
                distanceFrequencies[symbol(forDistance: token.distance)] += 1
            } else {
                literalFrequencies[token.literal] += 1
            }
        }
        literalFrequencies[DeflateFormat.endOfBlock] = 1

        // Dynamic codes and their header.
        let literalLengths = HuffmanCodeBuilder.codeLengths(frequencies: literalFrequencies, limit: 15)
        let distanceLengths = HuffmanCodeBuilder.codeLengths(frequencies: distanceFrequencies, limit: 15)
        let literalCount = max(257, (literalLengths.lastIndex { $0 > 0 } ?? 0) + 1)
        let distanceCount = max(1, (distanceLengths.lastIndex { $0 > 0 } ?? 0) + 1)
        let header = runLengthCoded(Array(literalLengths[..<literalCount]) + Array(distanceLengths[..<distanceCount]))
        var codeLengthFrequencies = [Int](repeating: 0, count: 19)
        for entry in header { codeLengthFrequencies[entry.symbol] += 1 }
        let codeLengthLengths = HuffmanCodeBuilder.codeLengths(frequencies: codeLengthFrequencies, limit: 7)
        var codeLengthCount = 19
        while codeLengthCount > 4 && codeLengthLengths[DeflateFormat.codeLengthOrder[codeLengthCount - 1]] == 0 {
            codeLengthCount -= 1
        }

        func dataBits(literal: [UInt8], distance: [UInt8]) -> Int {
            var bits = 0
            for (symbol, frequency) in literalFrequencies.enumerated() where frequency > 0 {
                let extra = symbol > 256 ? Int(DeflateFormat.lengthExtraBits[symbol - 257]) : 0
                bits += frequency * (Int(literal[symbol]) + extra)
            }
            for (symbol, frequency) in distanceFrequencies.enumerated() where frequency > 0 {
                bits += frequency * (Int(distance[symbol]) + Int(DeflateFormat.distanceExtraBits[symbol]))
            }
            return bits
        }
        var dynamicBits = 5 + 5 + 4 + 3 * codeLengthCount
        for entry in header {
            dynamicBits += Int(codeLengthLengths[entry.symbol]) + (codeLengthExtraBits[entry.symbol] ?? 0)
        }
        dynamicBits += dataBits(literal: literalLengths, distance: distanceLengths)
        let fixedBits = dataBits(literal: DeflateFormat.fixedLiteralLengths, distance: DeflateFormat.fixedDistanceLengths)
        // Stored: alignment (at most 7 bits) plus LEN/NLEN per 65535-byte piece, plus the bytes.
        let storedBits = 7 + 32 * max(1, (raw.count + 65534) / 65535) + 8 * raw.count

        if storedBits <= min(dynamicBits, fixedBits) {
            writeStored(raw, isFinal: isFinal, to: &writer)
            return
        }
        let useDynamic = dynamicBits < fixedBits
        writer.write(isFinal ? 1 : 0, bitCount: 1)
        writer.write(useDynamic ? 2 : 1, bitCount: 2)
        let literalTable = useDynamic ? literalLengths : DeflateFormat.fixedLiteralLengths
        let distanceTable = useDynamic ? distanceLengths : DeflateFormat.fixedDistanceLengths
        if useDynamic {
            writer.write(UInt32(literalCount - 257), bitCount: 5)
            writer.write(UInt32(distanceCount - 1), bitCount: 5)
            writer.write(UInt32(codeLengthCount - 4), bitCount: 4)
            for i in 0..<codeLengthCount {
                writer.write(UInt32(codeLengthLengths[DeflateFormat.codeLengthOrder[i]]), bitCount: 3)
            }
            let codeLengthCodes = HuffmanCodeBuilder.reversedCodes(lengths: codeLengthLengths)
            for entry in header {
                writer.write(codeLengthCodes[entry.symbol], bitCount: Int(codeLengthLengths[entry.symbol]))
                if let extraBits = codeLengthExtraBits[entry.symbol] {
                    writer.write(UInt32(entry.extra), bitCount: extraBits)
                }
            }
        }
        writeTokens(tokens, literalLengths: literalTable, distanceLengths: distanceTable, to: &writer)
    }

    private static func writeTokens(
        _ tokens: ArraySlice<LZ77.Token>, literalLengths: [UInt8], distanceLengths: [UInt8], to writer: inout BitWriter
    ) {
        let literalCodes = HuffmanCodeBuilder.reversedCodes(lengths: literalLengths)
        let distanceCodes = HuffmanCodeBuilder.reversedCodes(lengths: distanceLengths)
        for token in tokens {
            if token.isMatch {
                let lengthSymbol = symbol(forLength: token.length)
                writer.write(literalCodes[257 + lengthSymbol], bitCount: Int(literalLengths[257 + lengthSymbol]))
                writer.write(
                    UInt32(token.length - Int(DeflateFormat.lengthBase[lengthSymbol])),
                    bitCount: Int(DeflateFormat.lengthExtraBits[lengthSymbol]))
                let distanceSymbol = symbol(forDistance: token.distance)
                writer.write(distanceCodes[distanceSymbol], bitCount: Int(distanceLengths[distanceSymbol]))
                writer.write(
                    UInt32(token.distance - Int(DeflateFormat.distanceBase[distanceSymbol])),
                    bitCount: Int(DeflateFormat.distanceExtraBits[distanceSymbol]))
            } else {
                writer.write(literalCodes[token.literal], bitCount: Int(literalLengths[token.literal]))
            }
        }
        let eob = DeflateFormat.endOfBlock
        writer.write(literalCodes[eob], bitCount: Int(literalLengths[eob]))
    }

    private static func writeStored(_ raw: UnsafeBufferPointer<UInt8>, isFinal: Bool, to writer: inout BitWriter) {
        var offset = 0
        repeat {
            let count = min(65535, raw.count - offset)
            let last = isFinal && offset + count == raw.count
            writer.write(last ? 1 : 0, bitCount: 1)
            writer.write(0, bitCount: 2)
            writer.alignToByte()
            writer.write(UInt32(count), bitCount: 16)
            writer.write(UInt32(~UInt16(count)), bitCount: 16)
            writer.append(contentsOf: raw[offset..<offset + count])
            offset += count
        } while offset < raw.count
    }
}
