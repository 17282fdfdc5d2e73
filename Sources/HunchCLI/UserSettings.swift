import Foundation
import HunchSettings

/// The settings file with the command line's flags layered over it, for the commands that run the model.
enum UserSettings {
  /// What to run with, and the warnings to show (an invalid file is a warning: the command runs on its defaults).
  static func load(commandLine: HunchSettings) -> (settings: HunchSettings, warnings: [String]) {
    var settings = HunchSettings()
    var warnings: [String] = []
    do {
      if let file = try SettingsFile.load() {
        settings = file.settings
        warnings += file.issues.map { "setting ignored: \($0)" }
      }
    } catch {
      warnings.append("the settings file is not used: \(error)")
    }
    settings.merge(commandLine)
    return (settings, warnings)
  }
}
