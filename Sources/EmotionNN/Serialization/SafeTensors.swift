// SafeTensors: reading and writing the safetensors format (huggingface/safetensors). Files are written as
// F32; F32, F16, BF16 and F64 tensors are read (as Float32), integer and boolean ones listed and skipped.
//
// Layout: 8-byte little-endian header length n, n bytes of JSON header
// {"__metadata__": {string: string}, name: {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}},
// padded with spaces so the data starts at a multiple of 8, then the raw little-endian data; offsets are
// relative to the data start, and the tensors tile the data exactly (no gaps, no overlaps).

import Foundation

#if !_endian(little)
#error("SafeTensors reads and writes little-endian floats by copying memory; add byte swapping for this target")
#endif

/// A malformed or unusable safetensors file, naming the file, the tensor and the problem.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)
    case truncated(file: String, byteCount: Int)
    case headerLengthOutOfBounds(file: String, headerLength: UInt64, fileSize: Int)
    case invalidHeader(file: String, reason: String)
    case invalidEntry(file: String, tensor: String, reason: String)
    case unsupportedDType(file: String, tensor: String, dtype: String)
    case shapeMismatch(file: String, tensor: String, shape: [Int], dtype: String, elementSize: Int, byteCount: Int)
    case offsetsOutOfBounds(file: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    case offsetsNotContiguous(file: String, tensor: String, begin: Int, expected: Int)
    case duplicateTensor(name: String)
    case writeFailed(file: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "\(file): cannot read the safetensors file (\(reason))"
        case .truncated(let file, let byteCount):
            return "\(file): only \(byteCount) bytes, too short for a safetensors file (8-byte header length + header)"
        case .headerLengthOutOfBounds(let file, let headerLength, let fileSize):
            return "\(file): header length \(headerLength) does not fit the \(fileSize)-byte file; the file is truncated or not safetensors"
        case .invalidHeader(let file, let reason):
            return "\(file): invalid safetensors header: \(reason)"
        case .invalidEntry(let file, let tensor, let reason):
            return "\(file): tensor '\(tensor)': \(reason)"
        case .unsupportedDType(let file, let tensor, let dtype):
            return "\(file): tensor '\(tensor)' has the unknown dtype '\(dtype)' (floating-point tensors must be F32, F16, BF16 or F64)"
        case .shapeMismatch(let file, let tensor, let shape, let dtype, let elementSize, let byteCount):
            return "\(file): tensor '\(tensor)' of shape \(shape) and dtype \(dtype) needs \(shape.reduce(1, *) * elementSize) bytes but its data_offsets span \(byteCount)"
        case .offsetsOutOfBounds(let file, let tensor, let begin, let end, let dataSize):
            return "\(file): tensor '\(tensor)' data_offsets [\(begin), \(end)] lie outside the \(dataSize)-byte data section; the file is truncated or corrupt"
        case .offsetsNotContiguous(let file, let tensor, let begin, let expected):
            return "\(file): tensor '\(tensor)' starts at data offset \(begin), expected \(expected) (tensors must tile the data without gaps or overlaps)"
        case .duplicateTensor(let name):
            return "safetensors: tensor name '\(name)' appears twice"
        case .writeFailed(let file, let reason):
            return "\(file): cannot write the safetensors file (\(reason))"
        }
    }
}

/// The safetensors format: tensors by name plus string metadata.
public enum SafeTensors {
    /// The contents of a safetensors file: tensors in data order, and `__metadata__`.
    public struct Contents: Sendable {
        public var tensors: [(name: String, tensor: Tensor)]
        public var metadata: [String: String]
        /// Non-floating-point tensors of a read file (such as PyTorch's int64 `num_batches_tracked`
        /// counters), which hold no weights and are not loaded: name and dtype.
        public var skipped: [(name: String, dtype: String)]

        public init(tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:],
                    skipped: [(name: String, dtype: String)] = []) {
            self.tensors = tensors
            self.metadata = metadata
            self.skipped = skipped
        }

        /// The tensor called `name`, if present.
        public subscript(name: String) -> Tensor? {
            tensors.first { $0.name == name }?.tensor
        }
    }

    /// The largest header accepted (the reference implementation's limit): guards against absurd lengths.
    static let maximumHeaderLength = 100_000_000

    /// Encodes `contents` (tensors in the given order, header padded with spaces to a multiple of 8).
    public static func encode(_ contents: Contents) throws -> Data {
        var seen = Set<String>()
        var entries: [String] = []
        var offset = 0
        for (name, tensor) in contents.tensors {
            guard seen.insert(name).inserted, name != "__metadata__" else { throw SafeTensorsError.duplicateTensor(name: name) }
            let byteCount = tensor.count * 4
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + byteCount)]}")
            offset += byteCount
        }
        if !contents.metadata.isEmpty {
            let pairs = contents.metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            entries.insert("\"__metadata__\":{" + pairs.joined(separator: ",") + "}", at: 0)
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        header += Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)

        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for (_, tensor) in contents.tensors {
            tensor.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: $0.baseAddress, count: $0.count)) }
        }
        return data
    }

    /// Writes `contents` to `url` atomically and durably (`DurableFiles.replace`), so a failure or a crash
    /// never leaves a half-written file under the final name.
    public static func write(_ contents: Contents, to url: URL) throws {
        let data = try encode(contents)
        do {
            try DurableFiles.replace(url, with: data)
        } catch {
            throw SafeTensorsError.writeFailed(file: url.path, reason: error.reason)
        }
    }

    /// Reads and validates the safetensors file at `url`.
    public static func read(contentsOf url: URL) throws -> Contents {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw SafeTensorsError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        return try decode(data, file: url.path)
    }

    /// Decodes and validates safetensors bytes; `file` names the source in errors.
    public static func decode(_ data: Data, file: String = "<data>") throws -> Contents {
        guard data.count >= 8 else { throw SafeTensorsError.truncated(file: file, byteCount: data.count) }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength >= 2, headerLength <= UInt64(maximumHeaderLength), headerLength <= UInt64(data.count - 8) else {
            throw SafeTensorsError.headerLengthOutOfBounds(file: file, headerLength: headerLength, fileSize: data.count)
        }
        let dataStart = 8 + Int(headerLength)
        let headerBytes = data.subdata(in: data.startIndex + 8 ..< data.startIndex + dataStart)
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw SafeTensorsError.invalidHeader(file: file, reason: "it does not start with '{'")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: headerBytes)
        } catch {
            throw SafeTensorsError.invalidHeader(file: file, reason: "not valid JSON (\(error.localizedDescription))")
        }
        guard let header = object as? [String: Any] else {
            throw SafeTensorsError.invalidHeader(file: file, reason: "not a JSON object")
        }

        var metadata: [String: String] = [:]
        if let rawMetadata = header["__metadata__"] {
            guard let pairs = rawMetadata as? [String: Any] else {
                throw SafeTensorsError.invalidHeader(file: file, reason: "__metadata__ is not an object")
            }
            for (key, value) in pairs {
                guard let string = value as? String else {
                    throw SafeTensorsError.invalidHeader(file: file, reason: "__metadata__ value of '\(key)' is not a string")
                }
                metadata[key] = string
            }
        }

        struct Entry {
            let name: String
            let dtype: DType
            let shape: [Int]
            let begin: Int
            let end: Int
        }
        var entries: [Entry] = []
        for (name, value) in header where name != "__metadata__" {
            guard let fields = value as? [String: Any] else {
                throw SafeTensorsError.invalidEntry(file: file, tensor: name, reason: "entry is not an object")
            }
            guard let dtype = fields["dtype"] as? String else {
                throw SafeTensorsError.invalidEntry(file: file, tensor: name, reason: "missing string field 'dtype'")
            }
            guard let type = DType(rawValue: dtype) else {
                throw SafeTensorsError.unsupportedDType(file: file, tensor: name, dtype: dtype)
            }
            guard let shape = integers(fields["shape"]) else {
                throw SafeTensorsError.invalidEntry(file: file, tensor: name, reason: "'shape' is not an array of non-negative integers")
            }
            guard let offsets = integers(fields["data_offsets"]), offsets.count == 2, offsets[0] <= offsets[1] else {
                throw SafeTensorsError.invalidEntry(file: file, tensor: name, reason: "'data_offsets' is not [begin, end] with begin ≤ end")
            }
            let dataSize = data.count - dataStart
            guard offsets[1] <= dataSize else {
                throw SafeTensorsError.offsetsOutOfBounds(file: file, tensor: name, begin: offsets[0], end: offsets[1], dataSize: dataSize)
            }
            let (elements, overflow) = shape.reduce((1, false)) { partial, dimension in
                let product = partial.0.multipliedReportingOverflow(by: dimension)
                return (product.partialValue, partial.1 || product.overflow)
            }
            guard !overflow, elements * type.size == offsets[1] - offsets[0] else {
                throw SafeTensorsError.shapeMismatch(file: file, tensor: name, shape: shape, dtype: dtype,
                                                     elementSize: type.size, byteCount: offsets[1] - offsets[0])
            }
            entries.append(Entry(name: name, dtype: type, shape: shape, begin: offsets[0], end: offsets[1]))
        }

        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var expectedBegin = 0
        for entry in entries {
            guard entry.begin == expectedBegin else {
                throw SafeTensorsError.offsetsNotContiguous(file: file, tensor: entry.name, begin: entry.begin, expected: expectedBegin)
            }
            expectedBegin = entry.end
        }
        guard expectedBegin == data.count - dataStart else {
            throw SafeTensorsError.invalidHeader(
                file: file, reason: "the tensors cover \(expectedBegin) bytes but the data section has \(data.count - dataStart)")
        }

        let tensors = data.withUnsafeBytes { raw in
            entries.filter(\.dtype.isFloatingPoint).map { entry in
                var tensor = Tensor(uninitializedShape: entry.shape)
                let source = UnsafeRawBufferPointer(rebasing: raw[(dataStart + entry.begin)..<(dataStart + entry.end)])
                tensor.withUnsafeMutableBufferPointer { entry.dtype.convert(source, to: $0) }
                return (name: entry.name, tensor: tensor)
            }
        }
        let skipped = entries.filter { !$0.dtype.isFloatingPoint }.map { (name: $0.name, dtype: $0.dtype.rawValue) }
        return Contents(tensors: tensors, metadata: metadata, skipped: skipped)
    }

    /// The element types of the format. Floating-point ones are read as Float32; the others are skipped.
    enum DType: String {
        case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8"
        case bool = "BOOL", f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

        var size: Int {
            switch self {
            case .f64, .i64, .u64: return 8
            case .f32, .i32, .u32: return 4
            case .f16, .bf16, .i16, .u16: return 2
            case .i8, .u8, .bool, .f8e4m3, .f8e5m2: return 1
            }
        }

        /// Weights come as F32, F16, BF16 or F64. (8-bit floats are quantised formats needing scales.)
        var isFloatingPoint: Bool { [.f64, .f32, .f16, .bf16].contains(self) }

        /// Converts little-endian elements of this type in `source` to Float32 in `target` (same count).
        func convert(_ source: UnsafeRawBufferPointer, to target: UnsafeMutableBufferPointer<Float>) {
            switch self {
            case .f32:
                UnsafeMutableRawBufferPointer(target).copyMemory(from: source)
            case .f64:
                for index in target.indices {
                    target[index] = Float(source.loadUnaligned(fromByteOffset: index * 8, as: Double.self))
                }
            case .bf16:  // the top half of a Float32
                for index in target.indices {
                    let bits = UInt32(source.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))
                    target[index] = Float(bitPattern: bits << 16)
                }
            case .f16:
                for index in target.indices {
                    target[index] = Self.halfToFloat(source.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))
                }
            default:
                preconditionFailure("SafeTensors: \(rawValue) is not converted to Float32")
            }
        }

        /// IEEE 754 binary16 → binary32, exactly (subnormals, infinities and NaNs included).
        static func halfToFloat(_ half: UInt16) -> Float {
            let sign: Float = half & 0x8000 != 0 ? -1 : 1
            let exponent = Int((half >> 10) & 0x1F), mantissa = Float(half & 0x3FF)
            switch exponent {
            case 0: return sign * mantissa * 0x1p-24
            case 31: return mantissa == 0 ? sign * .infinity : .nan
            default: return sign * (1 + mantissa / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
            }
        }
    }

    /// A JSON array of non-negative integers, or nil.
    private static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var result: [Int] = []
        for element in array {
            guard let number = element as? NSNumber else { return nil }
            let double = number.doubleValue
            guard double >= 0, double.rounded() == double, let integer = Int(exactly: double) else { return nil }
            result.append(integer)
        }
        return result
    }

    /// `value` as a JSON string literal.
    static func jsonString(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
