'use client';
import { use } from 'react';
import { GalleryView } from './GalleryView';

export default function GalleryPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = use(params);
  return <GalleryView id={decodeURIComponent(id)} />;
}
