/** The welcome's "Train the default model": the bundled MNIST template, trained as it is. */
import { createTemplateDoc, DEFAULT_TEMPLATE_NAME } from '../defaultDoc';
import { trainOrStop } from '../commands/appCommands';
import { getState, isDirty, openInTab, switchTab } from '../state/store';
import { isTraining, getTrainState } from '../training/trainer';

export function trainDefaultModel(): void {
  const fresh = createTemplateDoc();
  // An open, unchanged copy of the default template is used; else it opens in a new tab.
  const open = getState().tabs.find(
    (t) => t.fileName === DEFAULT_TEMPLATE_NAME && !isDirty(t) && t.history.present.name === fresh.name,
  );
  if (open) switchTab(open.id);
  else openInTab(fresh, { fileName: DEFAULT_TEMPLATE_NAME });
  if (!isTraining(getTrainState())) trainOrStop();
}
