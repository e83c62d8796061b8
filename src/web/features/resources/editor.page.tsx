import { useParams } from 'react-router';
import { ResourceEditor } from './resource-editor.tsx';

/** /resources/:kind/new and /resources/:kind/:name/edit. */
export default function EditorPage() {
  const { kind = '', name } = useParams();
  return <ResourceEditor key={`${kind}/${name ?? ''}`} kind={kind} name={name} />;
}
