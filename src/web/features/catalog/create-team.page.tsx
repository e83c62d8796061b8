import { ResourceEditor } from '../resources/resource-editor.tsx';

/** Create a team: the Team editor for a new resource; the creator becomes its maintainer. */
export default function CreateTeamPage() {
  return <ResourceEditor kind="Team" />;
}
