import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

const markdown = new MarkdownIt({ html: true, linkify: true, typographer: true });

/** What a rendered post may contain: formatting, links and images, never scripts or handlers. */
const POST_HTML: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'del', 's', 'figure', 'figcaption'],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    code: ['class'],
    th: ['align', 'style'],
    td: ['align', 'style'],
  },
  // Markdown tables align cells with inline styles; nothing else may style anything.
  allowedStyles: {
    th: { 'text-align': [/^(left|right|center)$/] },
    td: { 'text-align': [/^(left|right|center)$/] },
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
};

/** Markdown post body to sanitised HTML (raw HTML in Markdown is allowed, then cleaned). */
export function renderMarkdown(body: string): string {
  return sanitizeHtml(markdown.render(body), POST_HTML);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The web links (not email addresses) a plain text contains, as the comment renderer links them. */
export function findLinks(text: string): string[] {
  return (markdown.linkify.match(text) ?? [])
    .filter((m) => /^https?:\/\//i.test(m.url))
    .map((m) => m.url);
}

/** Plain-text comment to HTML: everything escaped, line breaks kept, URLs linked as user content. */
export function renderPlainText(body: string): string {
  const matches = markdown.linkify.match(body) ?? [];
  let html = '';
  let last = 0;
  for (const match of matches) {
    html += escapeHtml(body.slice(last, match.index));
    const safe = /^https?:\/\//i.test(match.url);
    html += safe
      ? `<a href="${escapeHtml(match.url)}" rel="ugc nofollow noopener">${escapeHtml(match.text)}</a>`
      : escapeHtml(match.text);
    last = match.lastIndex;
  }
  html += escapeHtml(body.slice(last));
  return html.split(/\r\n|\r|\n/).join('<br>\n');
}
