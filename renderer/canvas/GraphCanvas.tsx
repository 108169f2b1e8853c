/**
 * The canvas: a React Flow view of the active GraphDoc. Every user gesture becomes an engine
 * command (addNode, moveNodes, connect, …); React Flow's own state is only the in-flight drag.
 */
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  useUpdateNodeInternals,
  type Connection,
  type FinalConnectionState,
  type NodeChange,
  type EdgeChange,
  type OnConnectStartParams,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { canConnect, insertOnEdgeCommand, newNode, pasteCommand, type Command } from '../../engine/graph/commands';
import { BLOCK_MIME, customBlock } from '../state/customBlocks';
import { activeDoc, focusNode, getState, notify, perform, select, useEditor } from '../state/store';
import { useAnalysis } from '../state/analysisContext';
import { registerCanvasApi } from './canvasApi';
import { toFlowEdges, toFlowNodes } from './flowModel';
import { GroupFrame } from './GroupFrame';
import { layoutCommand } from './layout';
import { PerceiverNode, WiringContext } from './PerceiverNode';
import { QuickAdd, type QuickAddRequest } from './QuickAdd';
import { ShapeEdge } from './ShapeEdge';
import { ConnectionHint } from './ConnectionHint';
import { portColor } from './portColors';
import { getKind } from '../../engine/kinds/registry';
import { useTheme } from '../theme/theme';
import { currentFocus, leaveGroup, useEnteredGroup } from './focusGroup';
import './canvasExtras.css';

const nodeTypes = { perceiver: PerceiverNode, 'group-frame': GroupFrame };
const edgeTypes = { shape: ShapeEdge };
export const KIND_MIME = 'application/x-perceiver-kind';
const SNAP: [number, number] = [10, 10];
/** The last view of each tab (by tab id) while the app runs. */
const viewports = new Map<string, { x: number; y: number; zoom: number }>();

export function GraphCanvas() {
  const doc = useEditor((s) => activeDoc(s));
  const selectedNodes = useEditor((s) => s.selectedNodes);
  const selectedEdges = useEditor((s) => s.selectedEdges);
  const focusRequest = useEditor((s) => s.focusRequest);
  const activeTabId = useEditor((s) => s.activeTabId);
  const analysis = useAnalysis();
  const theme = useTheme();
  useEnteredGroup();
  const focus = currentFocus(doc, activeTabId);
  const focusGroup = focus ? doc.groups.find((g) => g.id === focus.groupId) : undefined;
  const flow = useReactFlow();
  const wrapper = useRef<HTMLDivElement>(null);
  const [drag, setDrag] = useState<Map<string, { x: number; y: number }>>(new Map());
  const [wiring, setWiring] = useState<{ compatible: Set<string>; fromNode: string; fromPort: string } | null>(null);
  const [quickAdd, setQuickAdd] = useState<QuickAddRequest | null>(null);
  const [snap, setSnap] = useState(true);

  // React Flow measures nodes and reports sizes as 'dimensions' changes; a controlled flow must
  // hand them back (the minimap, fitView and group frames need them).
  const [measured, setMeasured] = useState<Map<string, { width: number; height: number }>>(new Map());
  // Two graphs often share node ids ("head") with different ports. React Flow keeps a node's
  // handle positions while it arrives with the same size, so after a tab switch the handles are
  // measured again (else a port the old node lacked, like a tied embedding, draws no wire).
  const updateNodeInternals = useUpdateNodeInternals();
  // Each tab keeps its own view (pan and zoom): leaving a tab remembers it, a tab seen for the
  // first time is fitted to its graph.
  const shownTab = useRef(activeTabId);
  useEffect(() => {
    const prev = shownTab.current;
    if (prev === activeTabId) return;
    viewports.set(prev, flow.getViewport());
    shownTab.current = activeTabId;
    const saved = viewports.get(activeTabId);
    if (saved) void flow.setViewport(saved);
    else {
      const t = setTimeout(() => void flow.fitView({ padding: 0.15 }), 80);
      return () => clearTimeout(t);
    }
  }, [activeTabId, flow]);

  useEffect(() => {
    const ids = activeDoc().nodes.map((n) => n.id);
    // After React Flow has put the new graph's nodes into the DOM (its store updates in an effect).
    const t = setTimeout(() => updateNodeInternals(ids), 60);
    return () => clearTimeout(t);
  }, [activeTabId, updateNodeInternals]);

  const selNodeSet = useMemo(() => new Set(selectedNodes), [selectedNodes]);
  const selEdgeSet = useMemo(() => new Set(selectedEdges), [selectedEdges]);
  const nodes = useMemo(
    () => toFlowNodes(doc, analysis, selNodeSet, drag, measured, focus),
    [doc, analysis, selNodeSet, drag, measured, focus],
  );
  const edges = useMemo(() => toFlowEdges(doc, analysis, selEdgeSet, focus), [doc, analysis, selEdgeSet, focus]);

  // Entering or leaving a block frames what is now shown.
  const focusKey = focus ? `${focus.tabId}/${focus.groupId}` : '';
  useEffect(() => {
    const t = setTimeout(() => void flow.fitView({ padding: 0.2, maxZoom: 1.2, duration: 200 }), 40);
    return () => clearTimeout(t);
  }, [focusKey, flow]);

  const onNodesChange = useCallback((changes: NodeChange[]) => {
    let nextSel: Set<string> | null = null;
    const moving = new Map<string, { x: number; y: number }>();
    const sized = new Map<string, { width: number; height: number }>();
    const settled: { id: string; position: { x: number; y: number } }[] = [];
    for (const c of changes) {
      if (c.type === 'select' && !c.id.startsWith('group:')) {
        nextSel ??= new Set(getState().selectedNodes);
        if (c.selected) nextSel.add(c.id);
        else nextSel.delete(c.id);
      } else if (c.type === 'position' && c.position && c.dragging) {
        moving.set(c.id, c.position);
      } else if (c.type === 'position' && c.position && !c.id.startsWith('group:')) {
        // The end of a drag, or arrow keys on a focused node: one undoable move.
        settled.push({ id: c.id, position: { x: Math.round(c.position.x), y: Math.round(c.position.y) } });
      } else if (c.type === 'dimensions' && c.dimensions) {
        sized.set(c.id, c.dimensions);
      }
    }
    if (sized.size) setMeasured((m) => new Map([...m, ...sized]));
    if (nextSel) select([...nextSel], getState().selectedEdges);
    if (moving.size) setDrag((d) => new Map([...d, ...moving]));
    if (settled.length) {
      const current = new Map(activeDoc().nodes.map((n) => [n.id, n.position]));
      const moves = settled.filter((m) => {
        const p = current.get(m.id);
        return p && (p.x !== m.position.x || p.y !== m.position.y);
      });
      if (moves.length) perform({ type: 'moveNodes', moves });
      setDrag((d) => {
        if (!settled.some((m) => d.has(m.id))) return d;
        const next = new Map(d);
        for (const m of settled) next.delete(m.id);
        return next;
      });
    }
  }, []);

  const onEdgesChange = useCallback((changes: EdgeChange[]) => {
    let nextSel: Set<string> | null = null;
    for (const c of changes) {
      if (c.type === 'select') {
        nextSel ??= new Set(getState().selectedEdges);
        if (c.selected) nextSel.add(c.id);
        else nextSel.delete(c.id);
      }
    }
    if (nextSel) select(getState().selectedNodes, [...nextSel]);
  }, []);

  const onNodeDragStop = useCallback(
    (_e: unknown, _n: unknown, dragged: { id: string; position: { x: number; y: number } }[]) => {
      const current = activeDoc();
      const moves = dragged
        .filter((n) => !n.id.startsWith('group:'))
        .filter((n) => {
          const before = current.nodes.find((x) => x.id === n.id)?.position;
          return before && (before.x !== n.position.x || before.y !== n.position.y);
        })
        .map((n) => ({ id: n.id, position: { x: Math.round(n.position.x), y: Math.round(n.position.y) } }));
      if (moves.length) perform({ type: 'moveNodes', moves });
      setDrag(new Map());
    },
    [],
  );

  const isValidConnection = useCallback(
    (c: Connection | { source: string; target: string; sourceHandle?: string | null; targetHandle?: string | null }) =>
      canConnect(
        activeDoc(),
        { node: c.source, port: c.sourceHandle ?? 'out' },
        { node: c.target, port: c.targetHandle ?? 'in' },
        analysis,
      ).ok,
    [analysis],
  );

  const onConnect = useCallback((c: Connection) => {
    perform({
      type: 'connect',
      edge: {
        id: freshEdgeId(activeDoc()),
        source: { node: c.source, port: c.sourceHandle ?? 'out' },
        target: { node: c.target, port: c.targetHandle ?? 'in' },
      },
    });
  }, []);

  const onConnectStart = useCallback(
    (_e: unknown, p: OnConnectStartParams) => {
      if (p.handleType !== 'source' || !p.nodeId || !p.handleId) return;
      const d = activeDoc();
      const compatible = new Set<string>();
      for (const n of d.nodes) {
        for (const port of getKind(n.kind)?.inputs ?? []) {
          if (canConnect(d, { node: p.nodeId, port: p.handleId }, { node: n.id, port: port.name }, analysis).ok)
            compatible.add(`${n.id}\u0000${port.name}`);
        }
      }
      setWiring({ compatible, fromNode: p.nodeId, fromPort: p.handleId });
    },
    [analysis],
  );

  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      const from = wiring;
      setWiring(null);
      if (state.isValid) return;
      if (state.toHandle && state.fromHandle) {
        const src = state.fromHandle.type === 'source' ? state.fromHandle : state.toHandle;
        const dst = state.fromHandle.type === 'source' ? state.toHandle : state.fromHandle;
        const check = canConnect(
          activeDoc(),
          { node: src.nodeId, port: src.id ?? 'out' },
          { node: dst.nodeId, port: dst.id ?? 'in' },
          analysis,
        );
        if (!check.ok) notify('error', `Cannot connect: ${check.reason}`);
        return;
      }
      if (!state.toNode && from) {
        const pt = 'changedTouches' in event ? event.changedTouches[0]! : event;
        setQuickAdd({ screen: { x: pt.clientX, y: pt.clientY }, from: { node: from.fromNode, port: from.fromPort } });
      }
    },
    [wiring, analysis],
  );

  const addKindAt = useCallback(
    (kind: string, screen: { x: number; y: number }, from?: { node: string; port: string }) => {
      const d = activeDoc();
      const pos = flow.screenToFlowPosition(screen);
      const node = newNode(d, kind, { x: Math.round(pos.x), y: Math.round(pos.y) });
      const commands: Command[] = [{ type: 'addNode', node }];
      if (from) {
        const after = { ...d, nodes: [...d.nodes, node] };
        const port = getKind(kind)!.inputs.find((p) => canConnect(after, from, { node: node.id, port: p.name }).ok);
        if (port)
          commands.push({
            type: 'connect',
            edge: { id: freshEdgeId(d), source: from, target: { node: node.id, port: port.name } },
          });
      }
      if (
        perform(
          commands.length === 1
            ? commands[0]!
            : { type: 'batch', label: `Add ${getKind(kind)!.title} and connect`, commands },
        )
      )
        select([node.id]);
    },
    [flow],
  );

  const onDrop = useCallback(
    (e: React.DragEvent) => {
      const blockId = e.dataTransfer.getData(BLOCK_MIME);
      if (blockId) {
        e.preventDefault();
        const block = customBlock(blockId);
        if (!block) return notify('error', 'That custom block is no longer in the palette');
        const pos = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
        const minX = Math.min(...block.clip.nodes.map((n) => n.position.x));
        const minY = Math.min(...block.clip.nodes.map((n) => n.position.y));
        const { command, newIds } = pasteCommand(activeDoc(), block.clip, {
          x: Math.round(pos.x - minX),
          y: Math.round(pos.y - minY),
        });
        if (perform(command)) select(newIds);
        return;
      }
      const kind = e.dataTransfer.getData(KIND_MIME);
      if (!kind) return;
      e.preventDefault();
      const edgeId = edgeAt(e.clientX, e.clientY);
      if (edgeId) {
        const pos = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
        const node = newNode(activeDoc(), kind, { x: Math.round(pos.x - 120), y: Math.round(pos.y - 40) });
        const { command, inserted } = insertOnEdgeCommand(activeDoc(), node, edgeId);
        if (perform(command)) {
          select([node.id]);
          if (!inserted) notify('info', `${getKind(kind)!.title} does not fit in that wire; added it unconnected`);
        }
        return;
      }
      addKindAt(kind, { x: e.clientX, y: e.clientY });
    },
    [addKindAt, flow],
  );

  useEffect(() => {
    if (focusRequest) {
      const n = activeDoc().nodes.find((x) => x.id === focusRequest.nodeId);
      if (n)
        void flow.setCenter(n.position.x + 120, n.position.y + 70, {
          zoom: Math.max(flow.getZoom(), 0.9),
          duration: 250,
        });
    }
  }, [focusRequest, flow]);

  useEffect(() => {
    registerCanvasApi({
      fitView: () => void flow.fitView({ padding: 0.15, duration: 200 }),
      zoomIn: () => void flow.zoomIn({ duration: 150 }),
      zoomOut: () => void flow.zoomOut({ duration: 150 }),
      zoomToSelection: () => {
        const ids = getState().selectedNodes;
        void flow.fitView({ nodes: ids.map((id) => ({ id })), padding: 0.3, duration: 200 });
      },
      autoLayout: async () => {
        const cmd = await layoutCommand(activeDoc(), measuredNow(flow));
        if (cmd && perform(cmd)) setTimeout(() => void flow.fitView({ padding: 0.15, duration: 200 }), 30);
      },
      openQuickAdd: () => {
        const r = wrapper.current?.getBoundingClientRect();
        setQuickAdd({ screen: r ? { x: r.left + r.width / 2, y: r.top + r.height / 3 } : { x: 400, y: 300 } });
      },
      centerOn: (id) => focusNode(id),
      viewCentre: () => {
        const r = wrapper.current?.getBoundingClientRect();
        return r ? flow.screenToFlowPosition({ x: r.left + r.width / 2, y: r.top + r.height / 2 }) : { x: 0, y: 0 };
      },
      measuredSizes: () => measuredNow(flow),
      revealNodes: (ids) => {
        // After React Flow has placed them (and the re-flow may have pushed them down).
        setTimeout(() => {
          const r = wrapper.current?.getBoundingClientRect();
          if (!r || !ids.length) return;
          const off = ids.some((id) => {
            const n = flow.getInternalNode(id);
            if (!n) return false;
            const p = flow.flowToScreenPosition(n.internals.positionAbsolute);
            const w = (n.measured.width ?? 240) * flow.getZoom();
            const h = (n.measured.height ?? 120) * flow.getZoom();
            return p.x < r.left || p.y < r.top || p.x + w > r.right || p.y + h > r.bottom;
          });
          if (off)
            void flow.fitView({
              nodes: ids.map((id) => ({ id })),
              padding: 0.4,
              maxZoom: flow.getZoom(),
              duration: 200,
            });
        }, 80);
      },
    });
    return () => registerCanvasApi(null);
  }, [flow]);

  const connectionLineStyle = wiring
    ? {
        stroke: portColor(
          getKind(activeDoc().nodes.find((n) => n.id === wiring.fromNode)?.kind ?? '')?.outputs.find(
            (p) => p.name === wiring.fromPort,
          )?.type,
        ),
        strokeWidth: 2,
      }
    : undefined;

  return (
    <div
      className="canvas"
      ref={wrapper}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes(KIND_MIME) || e.dataTransfer.types.includes(BLOCK_MIME)) {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
        }
      }}
      onDrop={onDrop}
      onDoubleClick={(e) => {
        if ((e.target as HTMLElement).classList.contains('react-flow__pane'))
          setQuickAdd({ screen: { x: e.clientX, y: e.clientY } });
      }}
      data-testid="canvas"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && focus) leaveGroup();
      }}
      aria-label="Graph canvas: Tab or double-click adds a node"
      // Focusable, so keyboard shortcuts (Tab quick-add, Delete, Ctrl+Z…) act on the graph.
      tabIndex={0}
    >
      <WiringContext.Provider value={wiring}>
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onNodeDragStop={onNodeDragStop}
          onSelectionDragStop={(e, n) => onNodeDragStop(e, null, n)}
          onConnect={onConnect}
          onConnectStart={onConnectStart}
          onConnectEnd={onConnectEnd}
          isValidConnection={isValidConnection}
          onPaneClick={() => select([], [])}
          // Double-click on the empty canvas opens quick-add (the wrapper's handler), never zooms.
          zoomOnDoubleClick={false}
          deleteKeyCode={null}
          selectionKeyCode="Shift"
          multiSelectionKeyCode={['Meta', 'Control', 'Shift']}
          snapToGrid={snap}
          snapGrid={SNAP}
          connectionLineStyle={connectionLineStyle}
          fitView
          fitViewOptions={{ padding: 0.15 }}
          minZoom={0.1}
          maxZoom={2.5}
          proOptions={{ hideAttribution: true }}
          colorMode={theme}
          onlyRenderVisibleElements={doc.nodes.length > 150}
        >
          <Background
            variant={BackgroundVariant.Dots}
            gap={20}
            size={1.2}
            color={theme === 'dark' ? '#2c3342' : '#c3cad8'}
          />
          <MiniMap
            pannable
            zoomable
            ariaLabel="Minimap"
            nodeColor={(n) => (n.type === 'group-frame' ? 'transparent' : theme === 'dark' ? '#5b6a8f' : '#9aa8cc')}
            nodeStrokeColor={theme === 'dark' ? '#8fa3d6' : '#5a6bb8'}
            maskColor={theme === 'dark' ? 'rgba(10,12,18,0.7)' : 'rgba(220,226,238,0.7)'}
          />
          <Controls showInteractive={false} aria-label="Zoom controls" />
          <ConnectionHint />
        </ReactFlow>
      </WiringContext.Provider>
      {focus && focusGroup && (
        <nav className="focus-crumbs" aria-label="Breadcrumb">
          <button
            type="button"
            className="crumb"
            onClick={leaveGroup}
            aria-label={`Back to the whole graph ${doc.name}`}
          >
            {doc.name}
          </button>
          <span aria-hidden="true">›</span>
          <span className="here" aria-current="location">
            {focusGroup.label}
          </span>
          <span className="muted small">
            {doc.nodes.filter((n) => n.group === focusGroup.id).length} nodes · Esc to leave
          </span>
        </nav>
      )}
      <label className="snap-toggle">
        <input type="checkbox" checked={snap} onChange={(e) => setSnap(e.target.checked)} /> Snap to grid
      </label>
      {doc.nodes.length === 0 && (
        <div className="canvas-empty" aria-hidden="true">
          Drag a node from the palette, or double-click / press Tab to add one
        </div>
      )}
      {quickAdd && (
        <QuickAdd
          request={quickAdd}
          onClose={() => setQuickAdd(null)}
          onChoose={(kind) => (addKindAt(kind, quickAdd.screen, quickAdd.from), setQuickAdd(null))}
        />
      )}
    </div>
  );
}

/** The wire (or its shape label) under a screen point, if any. */
function edgeAt(x: number, y: number): string | null {
  for (const el of document.elementsFromPoint(x, y)) {
    const edge = el.closest('.react-flow__edge');
    if (edge?.getAttribute('data-id')) return edge.getAttribute('data-id');
    const label = el.closest('.edge-label');
    if (label) return (label as HTMLElement).dataset.testid?.replace(/^edge-/, '') ?? null;
  }
  return null;
}

function freshEdgeId(d: { edges: { id: string }[] }): string {
  const ids = new Set(d.edges.map((e) => e.id));
  let i = d.edges.length + 1;
  while (ids.has(`e${i}`)) i++;
  return `e${i}`;
}

function measuredNow(flow: ReturnType<typeof useReactFlow>): Map<string, { width: number; height: number }> {
  const m = new Map<string, { width: number; height: number }>();
  for (const n of flow.getNodes())
    if (n.measured?.width && n.measured?.height) m.set(n.id, { width: n.measured.width, height: n.measured.height });
  return m;
}
