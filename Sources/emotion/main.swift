// The `emotion` executable: hands the command line to the runner and exits with its code.

import Foundation

exit(Runner.run(Array(CommandLine.arguments.dropFirst())))
