/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The custom server (server/) hosts Next, the /api proxy and the socket.io relay.
  // @arkive/shared is server-side only; pages import its types, never its code.
};
export default nextConfig;
