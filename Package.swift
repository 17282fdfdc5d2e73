// swift-tools-version: 6.0
import PackageDescription

// Layers (see docs/architecture.md); dependencies point down only:
//   HunchCLI → HunchRuntime → HunchLSP, HunchCompletion, HunchSyntax, HunchInference, HunchRemote → HunchCompletion
//   HunchLSP → HunchSettings (the settings file and keys, no other dependencies)
//   HunchInference → HunchGGUF → HunchKernels → CHunchKernels; HunchProvisioning (fetching models) stands beside.
let package = Package(
  name: "Hunch",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "hunch", targets: ["HunchCLI"]),
    .executable(name: "hunch-kernel-bench", targets: ["HunchKernelBench"]),
    .executable(name: "hunch-fuzz", targets: ["HunchFuzz"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    .target(name: "CHunchKernels", cSettings: [.unsafeFlags(["-O3"])]),
    .target(name: "HunchKernels", dependencies: ["CHunchKernels"]),
    .executableTarget(name: "HunchKernelBench", dependencies: ["HunchKernels"]),
    .target(name: "HunchGGUF", dependencies: ["HunchKernels"]),
    .target(name: "HunchInference", dependencies: ["HunchGGUF", "HunchKernels"]),
    .target(name: "HunchProvisioning"),
    .systemLibrary(name: "CTreeSitter", pkgConfig: "tree-sitter", providers: [.apt(["libtree-sitter-dev"])]),
    .target(name: "HunchSyntax", dependencies: ["CTreeSitter"]),
    .target(name: "HunchSettings"),
    .target(name: "HunchLSP", dependencies: ["HunchSettings"]),
    .target(name: "HunchCompletion"),
    .target(name: "HunchRemote", dependencies: ["HunchCompletion"]),
    .target(
      name: "HunchRuntime",
      dependencies: [
        "HunchCompletion", "HunchInference", "HunchSyntax", "HunchLSP", "HunchGGUF", "HunchProvisioning", "HunchRemote",
        "HunchSettings",
      ]),
    .executableTarget(
      name: "HunchCLI",
      dependencies: [
        "HunchProvisioning", "HunchGGUF", "HunchInference", "HunchSyntax", "HunchLSP", "HunchCompletion", "HunchRuntime",
        "HunchRemote", "HunchSettings", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .target(name: "HunchTestSupport", dependencies: ["HunchGGUF", "HunchKernels"]),
    // Fuzz targets (bench/fuzz.sh builds them with libFuzzer; docs/reliability.md).
    .target(name: "CHunchFuzzDriver"),
    .executableTarget(
      name: "HunchFuzz",
      dependencies: [
        "CHunchFuzzDriver", "HunchLSP", "HunchGGUF", "HunchInference", "HunchCompletion", "HunchRuntime",
        "HunchTestSupport",
      ]),
    .testTarget(name: "HunchKernelsTests", dependencies: ["HunchKernels"], resources: [.copy("Fixtures")]),
    .testTarget(name: "HunchGGUFTests", dependencies: ["HunchGGUF", "HunchTestSupport"]),
    .testTarget(name: "HunchProvisioningTests", dependencies: ["HunchProvisioning"]),
    .testTarget(name: "HunchInferenceTests", dependencies: ["HunchInference", "HunchTestSupport"], resources: [.copy("Fixtures")]),
    .testTarget(name: "HunchSyntaxTests", dependencies: ["HunchSyntax"], resources: [.copy("Samples")]),
    .testTarget(name: "HunchLSPTests", dependencies: ["HunchLSP", "HunchSettings"]),
    .testTarget(name: "HunchSettingsTests", dependencies: ["HunchSettings"]),
    .testTarget(name: "HunchCompletionTests", dependencies: ["HunchCompletion"]),
    .testTarget(name: "HunchRuntimeTests", dependencies: ["HunchRuntime", "HunchTestSupport"]),
    .testTarget(
      name: "HunchRemoteTests", dependencies: ["HunchRemote", "HunchRuntime", "HunchCompletion", "HunchTestSupport"]),
    .testTarget(name: "HunchCLITests", dependencies: ["HunchTestSupport", "HunchGGUF"]),
  ]
)
