import type { RouteDef } from '../../http/route';
import { downloadArchive } from './archive-download';
import { addGalleryClient, deleteGalleryClient } from './clients';
import { createGallery } from './create';
import { cronProcessArchives } from './cron';
import { deleteGallery } from './delete';
import { downloadGallery } from './download';
import { getGallery } from './get';
import { deleteGalleryImage } from './image-delete';
import { getGalleryImageFile } from './image-file';
import { getGalleryImageThumb } from './image-thumb';
import { uploadGalleryImages } from './images-upload';
import { issueArchiveLink, resendArchiveEmail } from './links';
import { listGalleries } from './list';
import { publicGalleryInfo } from './public-info';
import { publishGallery } from './publish';

/** Galleries (issue 15): CRUD, uploads, publish → archive, downloads, e-mails, cron. */
export const galleryRoutes: RouteDef[] = [
  createGallery,
  listGalleries,
  getGallery,
  deleteGallery,
  uploadGalleryImages,
  deleteGalleryImage,
  getGalleryImageFile,
  getGalleryImageThumb,
  addGalleryClient,
  deleteGalleryClient,
  publishGallery,
  downloadGallery,
  publicGalleryInfo,
  downloadArchive,
  issueArchiveLink,
  resendArchiveEmail,
  cronProcessArchives,
];
