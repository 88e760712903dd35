import ReactMarkdown from "react-markdown";
import rehypeHighlight from "rehype-highlight";

const REHYPE_PLUGINS = [rehypeHighlight];

/** Agent text as markdown (react-markdown: no raw HTML), code blocks highlighted (highlight.js). */
export function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown rehypePlugins={REHYPE_PLUGINS}>{text}</ReactMarkdown>
    </div>
  );
}
