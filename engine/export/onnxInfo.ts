/**
 * Facts about the ONNX export shared by the CLI (engine/node/onnxExport.ts) and the app's hosts
 * (electron/services/onnxFolder.ts): the opset export_onnx.py writes and what to install.
 */

/** The ONNX opset export_onnx.py writes by default: the highest PyTorch 1.13 (Debian's python3-torch) supports. */
export const ONNX_OPSET = 17;

/** What to install when no Python with torch is found. */
export const INSTALL_TORCH =
  'install PyTorch for Python 3 (pip install torch, or on Debian/Ubuntu: apt install python3-torch), or set PERCEIVER_PYTHON to a Python that has it';
