// The images named on a `predict` command line: files and folders (searched recursively), images
// recognised by extension, in natural order, with the files that are not images noted.

import Foundation

/// One image to classify.
public struct InputImage: Sendable, Equatable {
    /// The path as the user gave it, joined with the name inside a given folder (`./Facial Pics/1.jpg`).
    public let displayPath: String
    /// Path relative to the folder given on the command line (`sub/1.jpg`), or the file's name when the
    /// file itself was given: what a labels file is matched against.
    public let relativePath: String
    public let url: URL
}

/// What the command-line paths hold.
public struct InputListing: Sendable, Equatable {
    /// Images by extension, each path argument's in natural order, arguments in the order given.
    public var images: [InputImage] = []
    /// Files left out because their extension is not an image's (display paths).
    public var nonImages: [String] = []
}

public enum InputListingError: Error, CustomStringConvertible, Equatable {
    case pathMissing(String)

    public var description: String {
        switch self {
        case .pathMissing(let path): return "\(path) does not exist"
        }
    }
}

public enum InputFiles {
    /// The extensions (lowercased) of the formats the decoders read.
    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "bmp", "gif"]

    public static func isImageName(_ name: String) -> Bool {
        imageExtensions.contains((name as NSString).pathExtension.lowercased())
    }

    /// Lists `paths`: a file is taken as given (an image extension is still required), a folder is
    /// searched recursively (hidden files and folders skipped). Throws for a path that does not exist.
    public static func list(_ paths: [String]) throws -> InputListing {
        var listing = InputListing()
        let fileManager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw InputListingError.pathMissing(path)
            }
            let url = URL(fileURLWithPath: path)
            guard isDirectory.boolValue else {
                if isImageName(path) {
                    listing.images.append(InputImage(displayPath: path, relativePath: url.lastPathComponent, url: url))
                } else {
                    listing.nonImages.append(path)
                }
                continue
            }
            var found: [String] = []
            // The enumerator does not descend into a root that is a symbolic link, so it walks the target.
            let root = url.resolvingSymlinksInPath()
            if let enumerator = fileManager.enumerator(at: root, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles]) {
                let rootComponents = root.standardizedFileURL.pathComponents.count
                for case let file as URL in enumerator {
                    // fileExists follows symbolic links, so a linked picture counts as a file.
                    var isFolder: ObjCBool = false
                    guard fileManager.fileExists(atPath: file.path, isDirectory: &isFolder), !isFolder.boolValue
                    else { continue }
                    found.append(file.standardizedFileURL.pathComponents.dropFirst(rootComponents).joined(separator: "/"))
                }
            }
            let folder = path.hasSuffix("/") ? String(path.dropLast()) : path
            for relative in found.sorted(by: naturallyPrecedes) {
                let displayPath = folder + "/" + relative
                if isImageName(relative) {
                    listing.images.append(InputImage(
                        displayPath: displayPath, relativePath: relative, url: url.appendingPathComponent(relative)))
                } else {
                    listing.nonImages.append(displayPath)
                }
            }
        }
        return listing
    }
}
