// Replacing a folder all at once, durably: its new content is written into a hidden temporary sibling and
// flushed to the disk, then exchanged with the old folder in one atomic step, so at every instant the path
// holds either the previous complete folder or the new complete one — never nothing, never a mix — even if
// the process is killed or the machine loses power. A failed write (a full disk) leaves the old folder as it
// was and no partial files behind; temporary folders of killed runs are removed by the next save.

import Foundation
import EmotionNN

/// Why a folder could not be replaced.
public enum AtomicFolderError: Error, CustomStringConvertible {
    case cannotCreate(path: String, reason: String)
    case cannotReplace(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotCreate(let path, let reason): return "cannot create '\(path)': \(reason)"
        case .cannotReplace(let path, let reason): return "cannot replace '\(path)': \(reason)"
        }
    }
}

public enum AtomicFolder {
    /// Calls `write` with an empty temporary folder beside `destination`, flushes what it wrote, and puts it
    /// in place of `destination` atomically (an exchange with the old folder, which is then removed). If
    /// `write` throws, the temporary folder is removed and `destination` is untouched. Missing parent folders
    /// are created. Files `write` creates should be written with `DurableFiles`.
    public static func replace(at destination: URL, write: (URL) throws -> Void) throws {
        let fileManager = FileManager.default
        let parent = destination.deletingLastPathComponent()
        let name = destination.lastPathComponent
        let temporary = parent.appendingPathComponent("\(temporaryPrefix(of: name))\(UUID().uuidString.prefix(8))")
        do {
            try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
            removeLeftovers(of: destination)
            try fileManager.createDirectory(at: temporary, withIntermediateDirectories: false)
        } catch {
            throw AtomicFolderError.cannotCreate(path: temporary.path, reason: reason(error))
        }
        do {
            try write(temporary)
            try DurableFiles.syncFolder(temporary)
            try put(temporary, at: destination)
        } catch {
            try? fileManager.removeItem(at: temporary)
            throw error
        }
    }

    /// Moves the complete folder `source` to `destination`: an atomic exchange when `destination` exists
    /// (the old content is then removed), a rename when it does not; the parent is flushed either way.
    private static func put(_ source: URL, at destination: URL) throws {
        let fileManager = FileManager.default
        let parent = destination.deletingLastPathComponent()
        var isFolder: ObjCBool = false
        let exists = fileManager.fileExists(atPath: destination.path, isDirectory: &isFolder)
        if exists && isFolder.boolValue {
            do {
                if try DurableFiles.exchange(source, destination) {
                    try DurableFiles.syncFolder(parent)
                    try? fileManager.removeItem(at: source)  // now the old content
                    return
                }
            } catch {
                throw AtomicFolderError.cannotReplace(path: destination.path, reason: reason(error))
            }
            // No atomic exchange here (an old kernel or an unusual file system): move the old folder aside
            // first. A crash between the two renames leaves it under its hidden name, which the next save
            // removes.
            let previous = parent.appendingPathComponent(".\(destination.lastPathComponent).previous-\(UUID().uuidString.prefix(8))")
            do {
                try fileManager.moveItem(at: destination, to: previous)
            } catch {
                throw AtomicFolderError.cannotReplace(path: destination.path, reason: reason(error))
            }
            guard rename(source.path, destination.path) == 0 else {
                let failure = String(cString: strerror(errno))
                try? fileManager.moveItem(at: previous, to: destination)
                throw AtomicFolderError.cannotReplace(path: destination.path, reason: failure)
            }
            try? DurableFiles.syncFolder(parent)
            try? fileManager.removeItem(at: previous)
            return
        }
        guard rename(source.path, destination.path) == 0 else {
            throw AtomicFolderError.cannotReplace(path: destination.path, reason: String(cString: strerror(errno)))
        }
        do {
            try DurableFiles.syncFolder(parent)
        } catch {
            throw AtomicFolderError.cannotReplace(path: destination.path, reason: reason(error))
        }
    }

    /// The hidden name prefix of `name`'s temporary folders: `.task1-small.partial-`.
    static func temporaryPrefix(of name: String) -> String { ".\(name).partial-" }

    /// Removes the temporary folders that killed saves of `destination` left beside it.
    public static func removeLeftovers(of destination: URL) {
        let parent = destination.deletingLastPathComponent()
        let name = destination.lastPathComponent
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else { return }
        for entry in entries where entry.hasPrefix(temporaryPrefix(of: name)) || entry.hasPrefix(".\(name).previous-") {
            try? FileManager.default.removeItem(at: parent.appendingPathComponent(entry))
        }
    }

    private static func reason(_ error: Error) -> String {
        if let error = error as? FileWriteError { return error.reason }
        return (error as NSError).localizedDescription
    }
}
