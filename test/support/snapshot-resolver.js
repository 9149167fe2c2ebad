// Snapshots live in the top-level __snapshots__/ (design card), named after the test file.
const path = require('path');
const root = path.resolve(__dirname, '..', '..');
const dir = path.join(root, '__snapshots__');
module.exports = {
  resolveSnapshotPath: (testPath, ext) => path.join(dir, path.relative(root, testPath).replace(/[\\/]/g, '__') + ext),
  resolveTestPath: (snapshotPath, ext) =>
    path.join(root, path.basename(snapshotPath, ext).replace(/__/g, path.sep)),
  testPathForConsistencyCheck: path.join(root, 'test', 'example.test.ts'),
};
