// SafeTensors: round trip, header layout, atomic writes, and one specific error per kind of malformed file.

import Foundation
import EmotionTestSupport
import Testing
@testable import EmotionNN

@Suite struct SafeTensorsTests {
    static let sample = SafeTensors.Contents(
        tensors: [
            ("conv2d.kernel", randomTensor([3, 3, 2, 4], seed: 1)),
            ("conv2d.bias", randomTensor([4], seed: 2)),
            ("weird \"name\"\\x", Tensor(shape: [2, 1], scalars: [1, -2])),
            ("empty", Tensor(shape: [0, 3])),
            ("scalar", Tensor(scalar: 7)),
        ],
        metadata: ["architecture": "task1-small", "classes": "angry,happy"])

    /// A temporary directory removed after `body`.
    func withTemporaryDirectory(_ body: (URL) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory)
    }

    /// `header` (JSON text) with an 8-byte length prefix, followed by `data`.
    func file(header: String, data: [Float] = [], lengthOverride: UInt64? = nil) -> Data {
        var result = Data()
        withUnsafeBytes(of: (lengthOverride ?? UInt64(header.utf8.count)).littleEndian) { result.append(contentsOf: $0) }
        result.append(contentsOf: Array(header.utf8))
        data.withUnsafeBufferPointer { result.append($0) }
        return result
    }

    @Test func roundTripKeepsNamesShapesValuesAndMetadata() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("model.safetensors")
            try SafeTensors.write(Self.sample, to: url)
            let read = try SafeTensors.read(contentsOf: url)
            #expect(read.metadata == Self.sample.metadata)
            #expect(read.tensors.map(\.name) == Self.sample.tensors.map(\.name))
            for (name, tensor) in Self.sample.tensors {
                #expect(read[name] == tensor, "\(name)")
            }
            // Only the final file remains: the temporary file was renamed.
            let entries = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            #expect(entries == ["model.safetensors"])
        }
    }

    @Test func headerIsPaddedToEightBytesAndLittleEndian() throws {
        let data = try SafeTensors.encode(Self.sample)
        let headerLength = Int(data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.1) << (8 * UInt64($1.0)) })
        #expect(headerLength % 8 == 0)
        let header = String(decoding: data[8..<(8 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix("{\"__metadata__\":{\"architecture\":\"task1-small\""))
        #expect(header.contains("\"conv2d.bias\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[288,304]}"))
        #expect(data.count == 8 + headerLength + (72 + 4 + 2 + 0 + 1) * 4)
        // The first float of the data is conv2d.kernel[0], little-endian.
        let first = data[(8 + headerLength)..<(12 + headerLength)].withUnsafeBytes { $0.loadUnaligned(as: Float.self) }
        #expect(first == Self.sample.tensors[0].tensor.scalars[0])
    }

    @Test func readsFilesWrittenByPythonSafetensors() throws {
        // The fixtures were written by the Python package (which orders tensors its own way).
        let contents = try loadFixture("dense.safetensors")
        #expect(contents.tensors.count == 16)
        #expect(contents["linear.kernel"]?.shape == [5, 3])
    }

    @Test func writeFailureLeavesNoFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("missing-folder/model.safetensors")
            #expect(throws: SafeTensorsError.self) { try SafeTensors.write(Self.sample, to: url) }
            let entries = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            #expect(entries.isEmpty)
        }
    }

    @Test func duplicateNamesAreRejected() {
        let contents = SafeTensors.Contents(tensors: [("a", Tensor(scalar: 1)), ("a", Tensor(scalar: 2))])
        #expect(throws: SafeTensorsError.duplicateTensor(name: "a")) { try SafeTensors.encode(contents) }
    }

    @Test func truncatedFile() throws {
        let data = try SafeTensors.encode(Self.sample)
        #expect(throws: SafeTensorsError.truncated(file: "t", byteCount: 5)) {
            try SafeTensors.decode(data.prefix(5), file: "t")
        }
        // Cutting into the data section: the header's offsets no longer fit.
        #expect {
            try SafeTensors.decode(data.prefix(data.count - 4), file: "t")
        } throws: { error in
            if case .offsetsOutOfBounds(_, "scalar", _, _, _) = error as? SafeTensorsError { return true }
            return false
        }
    }

    @Test func badHeaderLength() {
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        #expect(throws: SafeTensorsError.headerLengthOutOfBounds(file: "f", headerLength: 1 << 40, fileSize: 8 + header.utf8.count + 4)) {
            try SafeTensors.decode(file(header: header, data: [1], lengthOverride: 1 << 40), file: "f")
        }
    }

    @Test func headerThatIsNotJSON() {
        #expect {
            try SafeTensors.decode(file(header: "{not json}   "), file: "f")
        } throws: { error in
            if case .invalidHeader = error as? SafeTensorsError { return true }
            return false
        }
    }

    @Test func unknownDType() {
        let header = #"{"a":{"dtype":"F12","shape":[2],"data_offsets":[0,4]}}"#
        #expect(throws: SafeTensorsError.unsupportedDType(file: "f", tensor: "a", dtype: "F12")) {
            try SafeTensors.decode(file(header: header, data: [1]), file: "f")
        }
    }

    /// Bit patterns from IEEE 754 and the bfloat16 definition (the upper 16 bits of a binary32).
    @Test func halfBFloatAndDoubleAreReadAsFloatAndIntegersAreSkipped() throws {
        let halves: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x03FF, 0x3555, 0x7C00, 0xFC00]
        let bfloats: [UInt16] = [0x3F80, 0x4049, 0xC2F7, 0x0000]
        let doubles: [Double] = [0.1, -1e30]
        let counter: [Int64] = [12_345]
        var data = Data()
        halves.withUnsafeBytes { data.append(contentsOf: $0) }  // 16 bytes: 0..<16
        bfloats.withUnsafeBytes { data.append(contentsOf: $0) }  // 8 bytes: 16..<24
        doubles.withUnsafeBytes { data.append(contentsOf: $0) }  // 16 bytes: 24..<40
        counter.withUnsafeBytes { data.append(contentsOf: $0) }  // 8 bytes: 40..<48
        let header = #"{"h":{"dtype":"F16","shape":[8],"data_offsets":[0,16]},"#
            + #""b":{"dtype":"BF16","shape":[2,2],"data_offsets":[16,24]},"#
            + #""d":{"dtype":"F64","shape":[2],"data_offsets":[24,40]},"#
            + #""bn.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[40,48]}}"#
        let contents = try SafeTensors.decode(file(header: header) + data, file: "f")
        #expect(contents.tensors.map(\.name) == ["h", "b", "d"])
        #expect(contents["h"]?.scalars == [1, -2, 65504, 0x1p-24, 1023 * 0x1p-24, 0.333251953125, .infinity, -.infinity])
        #expect(contents["b"]?.shape == [2, 2] && contents["b"]?.scalars == [1, 3.140625, -123.5, 0])
        #expect(contents["d"]?.scalars == [Float(0.1), Float(-1e30)])
        #expect(contents.skipped.map(\.name) == ["bn.num_batches_tracked"] && contents.skipped.map(\.dtype) == ["I64"])
    }

    @Test func halfNaNStaysNaN() {
        #expect(SafeTensors.DType.halfToFloat(0x7E00).isNaN)
        #expect(SafeTensors.DType.halfToFloat(0x8000) == 0 && SafeTensors.DType.halfToFloat(0x8000).sign == .minus)
    }

    @Test func shapeDisagreesWithByteSpan() {
        let header = #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#
        #expect(throws: SafeTensorsError.shapeMismatch(file: "f", tensor: "a", shape: [3], dtype: "F32", elementSize: 4, byteCount: 8)) {
            try SafeTensors.decode(file(header: header, data: [1, 2]), file: "f")
        }
    }

    @Test func overlappingOrGappedOffsets() {
        let overlapping = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        #expect(throws: SafeTensorsError.offsetsNotContiguous(file: "f", tensor: "b", begin: 4, expected: 8)) {
            try SafeTensors.decode(file(header: overlapping, data: [1, 2, 3]), file: "f")
        }
        let gap = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        #expect(throws: SafeTensorsError.offsetsNotContiguous(file: "f", tensor: "a", begin: 4, expected: 0)) {
            try SafeTensors.decode(file(header: gap, data: [1, 2]), file: "f")
        }
    }

    @Test func nonStringMetadataAndBadFields() {
        let metadata = #"{"__metadata__":{"classes":6}}"#
        #expect {
            try SafeTensors.decode(file(header: metadata), file: "f")
        } throws: { error in
            (error as? SafeTensorsError)?.description.contains("__metadata__ value of 'classes' is not a string") == true
        }
        let badShape = #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#
        #expect {
            try SafeTensors.decode(file(header: badShape, data: [1]), file: "f")
        } throws: { error in
            if case .invalidEntry(_, "a", _) = error as? SafeTensorsError { return true }
            return false
        }
    }

    @Test func errorsNameTheFileAndTensor() {
        let error = SafeTensorsError.shapeMismatch(file: "/m/model.safetensors", tensor: "dense.kernel", shape: [3], dtype: "F32",
                                                   elementSize: 4, byteCount: 8)
        #expect(error.description.contains("/m/model.safetensors"))
        #expect(error.description.contains("dense.kernel"))
    }
}
