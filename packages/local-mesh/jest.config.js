module.exports = { ...require('../../jest.preset.js'), displayName: 'local-mesh' };
