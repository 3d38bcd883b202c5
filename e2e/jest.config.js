// e2e runs real processes built from dist/, one suite at a time (they share default-free ports only).
module.exports = { ...require('../jest.preset.js'), displayName: 'e2e', testTimeout: 120000, maxWorkers: 1 };
