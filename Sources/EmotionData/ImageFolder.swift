// The listing of a folder of class subfolders with Keras 3 `image_dataset_from_directory` semantics:
// which files, in which order, with which labels, and which of them validate. Nothing is decoded here.
import Foundation

/// One image file of a data folder and the index of its class.
public struct LabeledFile: Sendable, Equatable {
    /// Path relative to the data folder, `/`-separated, starting with the class folder (`anger/x.jpg`).
    public let relativePath: String
    public let url: URL
    public let label: Int

    public init(relativePath: String, url: URL, label: Int) {
        self.relativePath = relativePath
        self.url = url
        self.label = label
    }
}

/// Which part of a data folder to use.
public enum Subset: String, CaseIterable, Sendable {
    case training, validation, all
}

/// A data folder listed, labelled, shuffled and split exactly as Keras does it, so that for the same
/// folder and seed `emotion` trains and validates on the very files Keras would:
///
/// 1. Classes are the immediate subfolders not starting with `.`, sorted by code point, or the
///    `classNames` given (their order, possibly a subset).
/// 2. Each class folder is walked recursively (directories sorted by path, files sorted by name,
///    symbolic links to folders not followed) and files whose lower-cased name ends in one of
///    `ImageFolder.fileExtensions` are kept, class after class.
/// 3. The list is shuffled with `np.random.RandomState(seed).shuffle`.
/// 4. The last `int(validationSplit * n)` files validate; the others train.
public struct ImageFolder: Sendable {
    /// Keras's `ALLOWLIST_FORMATS`, matched against the lower-cased file name.
    public static let fileExtensions = [".bmp", ".gif", ".jpeg", ".jpg", ".png"]

    public let root: URL
    public let classNames: [String]
    public let validationSplit: Double
    public let seed: UInt32
    /// Every listed file, in Keras's order (after the seeded shuffle).
    public let files: [LabeledFile]
    public let training: [LabeledFile]
    public let validation: [LabeledFile]

    /// `allowingEmptyClasses`: a class folder without images is fine (a test set may lack a class; training
    /// on one is refused, since that class could never be learnt).
    public init(
        root: URL, validationSplit: Double = 0.2, seed: UInt32 = 123, classNames: [String]? = nil,
        allowingEmptyClasses: Bool = false
    ) throws {
        guard validationSplit.isFinite, validationSplit >= 0, validationSplit < 1 else {
            throw ImageFolderError.invalidValidationSplit(validationSplit)
        }
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
            throw ImageFolderError.folderMissing(path: root.path)
        }
        guard isDirectory.boolValue else { throw ImageFolderError.notAFolder(path: root.path) }

        let folders = try Self.classFolders(in: root)
        let classes = try Self.resolveClassNames(classNames, folders: folders, root: root)

        var files: [LabeledFile] = []
        var countPerClass: [Int] = []
        for (label, name) in classes.enumerated() {
            let found = Self.imageFiles(inClassFolder: name, of: root)
            countPerClass.append(found.count)
            files += found.map {
                LabeledFile(relativePath: $0, url: root.appendingPathComponent($0), label: label)
            }
        }
        guard !files.isEmpty else { throw ImageFolderError.noImages(folder: root.path) }
        if !allowingEmptyClasses, let empty = countPerClass.firstIndex(of: 0) {
            throw ImageFolderError.emptyClassFolder(
                className: classes[empty], folder: root.appendingPathComponent(classes[empty]).path)
        }

        files.shuffleLikeNumPy(seed: seed)
        // Python's `int(validation_split * len(samples))`: the double product truncated toward zero.
        let validationCount = Int(validationSplit * Double(files.count))
        if validationSplit > 0 && validationCount == 0 {
            throw ImageFolderError.tooFewImagesForSplit(
                count: files.count, validationSplit: validationSplit, folder: root.path)
        }

        self.root = root
        self.classNames = classes
        self.validationSplit = validationSplit
        self.seed = seed
        self.files = files
        self.training = Array(files[..<(files.count - validationCount)])
        self.validation = Array(files[(files.count - validationCount)...])
    }

    public func files(in subset: Subset) -> [LabeledFile] {
        switch subset {
        case .training: return training
        case .validation: return validation
        case .all: return files
        }
    }

    /// Immediate subfolders (symbolic links to folders count, as `os.path.isdir` follows them),
    /// hidden ones left out, sorted by code point.
    private static func classFolders(in root: URL) throws -> [String] {
        let fileManager = FileManager.default
        let entries: [String]
        do {
            entries = try fileManager.contentsOfDirectory(atPath: root.path)
        } catch {
            throw ImageFolderError.unreadableFolder(path: root.path, reason: error.localizedDescription)
        }
        return entries.filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix(".")
                && fileManager.fileExists(atPath: root.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }.sorted(by: codePointOrder)
    }

    private static func resolveClassNames(_ requested: [String]?, folders: [String], root: URL) throws -> [String] {
        guard let requested else {
            guard !folders.isEmpty else { throw ImageFolderError.noClassFolders(path: root.path) }
            return folders
        }
        guard !requested.isEmpty else { throw ImageFolderError.noClassNamesGiven }
        var seen = Set<String>()
        for name in requested {
            guard seen.insert(name).inserted else { throw ImageFolderError.duplicateClassName(name) }
            guard folders.contains(name) else {
                throw ImageFolderError.classFolderMissing(className: name, folder: root.path, available: folders)
            }
        }
        return requested
    }

    /// Image files under one class folder as paths relative to the data folder, in the order of
    /// Keras's `iter_valid_files`: `os.walk` results sorted by directory path, then file names sorted.
    private static func imageFiles(inClassFolder className: String, of root: URL) -> [String] {
        let fileManager = FileManager.default
        let classFolder = root.appendingPathComponent(className)
        // (path below the class folder with a leading "/" or "" for the folder itself, file names)
        var directories: [(path: String, files: [String])] = []
        var pending = [""]
        while let relative = pending.popLast() {
            let folder = relative.isEmpty ? classFolder : classFolder.appendingPathComponent(String(relative.dropFirst()))
            // `os.walk` skips folders it cannot read.
            guard let entries = try? fileManager.contentsOfDirectory(atPath: folder.path) else { continue }
            var files: [String] = []
            for name in entries {
                let path = folder.appendingPathComponent(name).path
                var isDirectory: ObjCBool = false
                let exists = fileManager.fileExists(atPath: path, isDirectory: &isDirectory)
                if exists && isDirectory.boolValue {
                    // Listed as a folder by `os.walk`, but only descended into when it is not a link.
                    if (try? fileManager.destinationOfSymbolicLink(atPath: path)) == nil {
                        pending.append(relative + "/" + name)
                    }
                } else {
                    files.append(name)
                }
            }
            directories.append((relative, files))
        }
        directories.sort { codePointOrder($0.path, $1.path) }

        var result: [String] = []
        for directory in directories {
            for name in directory.files.sorted(by: codePointOrder) where hasImageExtension(name) {
                result.append(className + directory.path + "/" + name)
            }
        }
        return result
    }

    private static func hasImageExtension(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return fileExtensions.contains { lowered.hasSuffix($0) }
    }
}

/// Python's string order: lexicographic by Unicode code point (Swift's `<` compares canonical
/// equivalents instead, which can differ).
func codePointOrder(_ a: String, _ b: String) -> Bool {
    a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) { $0.value < $1.value }
}

/// Why a data folder cannot be listed or split.
public enum ImageFolderError: Error, Equatable, CustomStringConvertible {
    case invalidValidationSplit(Double)
    case folderMissing(path: String)
    case notAFolder(path: String)
    case unreadableFolder(path: String, reason: String)
    case noClassFolders(path: String)
    case noClassNamesGiven
    case duplicateClassName(String)
    case classFolderMissing(className: String, folder: String, available: [String])
    case noImages(folder: String)
    case emptyClassFolder(className: String, folder: String)
    case tooFewImagesForSplit(count: Int, validationSplit: Double, folder: String)

    public var description: String {
        let extensions = ImageFolder.fileExtensions.joined(separator: " ")
        switch self {
        case .invalidValidationSplit(let split):
            return "the validation split must be at least 0 and below 1, got \(split)"
        case .folderMissing(let path):
            return "the data folder \(path) does not exist"
        case .notAFolder(let path):
            return "the data folder \(path) is a file, not a folder"
        case .unreadableFolder(let path, let reason):
            return "cannot read the data folder \(path): \(reason)"
        case .noClassFolders(let path):
            return "the data folder \(path) has no class folders: put each class's images in a subfolder named after the class"
        case .noClassNamesGiven:
            return "the list of class names is empty"
        case .duplicateClassName(let name):
            return "the class name '\(name)' is given twice"
        case .classFolderMissing(let name, let folder, let available):
            return "the data folder \(folder) has no class folder '\(name)' (it has: \(available.joined(separator: ", ")))"
        case .noImages(let folder):
            return "no images found in the class folders of \(folder) (looked for \(extensions), in any case)"
        case .emptyClassFolder(let name, let folder):
            return "the class folder \(folder) of class '\(name)' has no images (looked for \(extensions), in any case)"
        case .tooFewImagesForSplit(let count, let split, let folder):
            return "\(count) images in \(folder) are too few for a validation split of \(split): int(\(split) x \(count)) = 0 leaves no image for validation; add images or use a validation split of 0"
        }
    }
}
