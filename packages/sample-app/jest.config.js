module.exports = { ...require('../../jest.preset.js'), displayName: 'sample-app' };
