export { folderArchiveProcessor, type FolderArchiveHooks } from './processor';
export { copyTree } from './copy';
export { sevenZipAdd, sevenZipTest } from './seven-zip';
