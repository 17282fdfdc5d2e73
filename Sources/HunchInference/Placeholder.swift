enum HunchInferencePlaceholder {}
