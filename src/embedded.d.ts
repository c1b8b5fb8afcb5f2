// Files the bundler embeds through import attributes (`with { type: "text" }`).
declare module "*.sql" {
  const text: string;
  export default text;
}
declare module "*.svg" {
  const text: string;
  export default text;
}
declare module "*.css" {
  const path: string;
  export default path;
}
// Browser scripts served as files (`with { type: "file" }` yields their embedded path).
declare module "alpinejs/dist/cdn.min.js" {
  const path: string;
  export default path;
}
declare module "htmx.org/dist/htmx.min.js" {
  const path: string;
  export default path;
}
declare module "htmx.org/dist/ext/hx-ws.min.js" {
  const path: string;
  export default path;
}
declare module "htmx.org/dist/ext/hx-upsert.min.js" {
  const path: string;
  export default path;
}
declare module "*/assets/chat.js" {
  const path: string;
  export default path;
}
declare module "*/assets/call.js" {
  const path: string;
  export default path;
}
declare module "*/assets/embed.js" {
  const path: string;
  export default path;
}
declare module "*/assets/demo.js" {
  const path: string;
  export default path;
}
declare module "*/assets/widget.js" {
  const path: string;
  export default path;
}
declare module "*/assets/attachments.js" {
  const path: string;
  export default path;
}
declare module "*/assets/composer.js" {
  const path: string;
  export default path;
}
declare module "*/assets/emoji.js" {
  const path: string;
  export default path;
}
declare module "*/assets/canned-replies.js" {
  const path: string;
  export default path;
}
declare module "*/assets/console.js" {
  const path: string;
  export default path;
}
declare module "*/assets/console-worker.js" {
  const path: string;
  export default path;
}
declare module "*.png" {
  const path: string;
  export default path;
}
