;;; switchboard-rewrite.el --- Rewrite the region, shown as a diff  -*- lexical-binding: t; -*-

;; Copyright (C) 2025 The Switchboard authors

;; This file is not part of GNU Emacs.

;;; Commentary:

;; `switchboard-rewrite' sends the region and an instruction; the
;; model's rewrite streams in beside the region, smerge-style: the old
;; text struck through, the new text after it.  While it waits,
;; `switchboard-rewrite-mode' is on in the buffer: C-c C-c accepts (one
;; undo step), C-c C-k rejects (cancelling it while it streams), C-c
;; C-d shows a unified diff.

;;; Code:

(require 'diff)
(require 'switchboard-conversation)
(require 'switchboard-stream)

(defcustom switchboard-rewrite-prompt
  "You rewrite text as instructed. Reply with the rewritten text only, in a single fenced code block, without explanation."
  "The system prompt of every rewrite.
The region follows the instruction, in a fenced block."
  :type 'string
  :group 'switchboard)

(defface switchboard-rewrite-old '((t :inherit diff-removed :strike-through t))
  "Face of the text a rewrite would replace."
  :group 'switchboard)

(defface switchboard-rewrite-new '((t :inherit diff-added))
  "Face of a rewrite's proposal."
  :group 'switchboard)

(defvar switchboard-rewrite-map
  (let ((map (make-sparse-keymap)))
    (define-key map (kbd "C-c C-c") #'switchboard-rewrite-accept)
    (define-key map (kbd "C-c C-k") #'switchboard-rewrite-reject)
    (define-key map (kbd "C-c C-d") #'switchboard-rewrite-diff)
    map)
  "Keys of `switchboard-rewrite-mode'.")

(define-minor-mode switchboard-rewrite-mode
  "On while a rewrite waits in this buffer: its keys win over the major mode's.
\{switchboard-rewrite-map}"
  :lighter " Rewrite"
  :keymap switchboard-rewrite-map)

(defvar-local switchboard-rewrite--overlay nil
  "The rewrite on screen in this buffer: an overlay over the old text.")

(defun switchboard-rewrite--language ()
  "The language name of the current major mode, for a fence."
  (string-remove-suffix "-ts" (string-remove-suffix "-mode" (symbol-name major-mode))))

(defun switchboard-rewrite--show (overlay proposal)
  "Show PROPOSAL after OVERLAY's text, in its own lines when the text has them."
  (let ((text (if (and (string-suffix-p "\n" (overlay-get overlay 'switchboard-original))
                       (not (string-suffix-p "\n" proposal)))
                  (concat proposal "\n")
                proposal)))
    (overlay-put overlay 'switchboard-proposal text)
    (overlay-put overlay 'after-string (propertize text 'face 'switchboard-rewrite-new))))

;;;###autoload
(defun switchboard-rewrite (start end instruction)
  "Ask for a rewrite of the text from START to END per INSTRUCTION.
Interactively, the region and an instruction read in the minibuffer.
The proposal streams in after the text; see `switchboard-rewrite-mode'."
  (interactive (if (use-region-p)
                   (list (region-beginning) (region-end) (read-string "Rewrite: "))
                 (user-error "Select the text to rewrite first")))
  (when switchboard-rewrite--overlay
    (user-error "A rewrite is on screen: accept (C-c C-c) or reject (C-c C-k) it first"))
  (deactivate-mark)
  (let* ((original (buffer-substring-no-properties start end))
         (overlay (switchboard-rewrite--overlay start end original))
         (scratch (generate-new-buffer " *switchboard rewrite*"))
         (user (concat instruction "\n\n"
                       (switchboard-conversation-fenced (format "File: %s" (buffer-name)) original
                                                        (switchboard-rewrite--language))))
         (buffer (current-buffer)))
    (goto-char start)
    (let ((request
           (switchboard-stream-start
            (list :messages (vector (list :role "system" :content switchboard-rewrite-prompt)
                                    (list :role "user" :content user)))
            (with-current-buffer scratch (point-marker))
            :on-insert (lambda ()
                         (switchboard-rewrite--show overlay (with-current-buffer scratch (buffer-string))))
            :on-end (lambda (outcome)
                      (kill-buffer scratch)
                      (with-current-buffer buffer
                        (if (eq (plist-get outcome :outcome) 'done)
                            (progn
                              (switchboard-rewrite--show
                               overlay (switchboard-conversation-code (plist-get outcome :text)))
                              (message "switchboard: rewrite ready: C-c C-c accepts, C-c C-k rejects, C-c C-d shows a diff"))
                          (switchboard-rewrite--clear)))))))
      (overlay-put overlay 'switchboard-request request))))

(defun switchboard-rewrite--clear ()
  "Remove the rewrite on screen.
A proposal's decision function (see `switchboard-rewrite-propose') is
told it was rejected."
  (switchboard-rewrite-mode -1)
  (let ((overlay switchboard-rewrite--overlay))
    (when overlay
      (delete-overlay overlay)
      (setq switchboard-rewrite--overlay nil)
      (switchboard-rewrite--decide overlay nil))))

(defun switchboard-rewrite--decide (overlay accepted)
  "Tell OVERLAY's decision function, if any and once, whether ACCEPTED."
  (let ((decide (overlay-get overlay 'switchboard-decision)))
    (when decide
      (overlay-put overlay 'switchboard-decision nil)
      (funcall decide accepted))))

(defun switchboard-rewrite--overlay (start end original)
  "A new rewrite overlay from START to END over ORIGINAL, on screen here."
  (when switchboard-rewrite--overlay
    (user-error "A rewrite is on screen: accept (C-c C-c) or reject (C-c C-k) it first"))
  (let ((overlay (make-overlay start end nil nil nil)))
    (overlay-put overlay 'face 'switchboard-rewrite-old)
    (overlay-put overlay 'switchboard-original original)
    (overlay-put overlay 'help-echo "C-c C-c accepts, C-c C-k rejects, C-c C-d shows a diff")
    (setq switchboard-rewrite--overlay overlay)
    (switchboard-rewrite-mode 1)
    (add-hook 'kill-buffer-hook #'switchboard-rewrite--clear nil t)
    overlay))

(defun switchboard-rewrite-propose (start end proposal decide)
  "Show PROPOSAL for the text from START to END as a rewrite, here.
DECIDE is called once with non-nil when the user accepts it (C-c C-c,
applied), nil when they reject it (C-c C-k, or the buffer is killed).
Return the function that withdraws it without a decision."
  (let ((overlay (switchboard-rewrite--overlay start end (buffer-substring-no-properties start end)))
        (buffer (current-buffer)))
    (overlay-put overlay 'switchboard-decision decide)
    (switchboard-rewrite--show overlay proposal)
    (message "switchboard: the model proposes an edit: C-c C-c accepts, C-c C-k rejects, C-c C-d shows a diff")
    (lambda ()
      (overlay-put overlay 'switchboard-decision nil)
      (when (buffer-live-p buffer)
        (with-current-buffer buffer
          (when (eq switchboard-rewrite--overlay overlay)
            (switchboard-rewrite--clear)))))))

(defun switchboard-rewrite--ready ()
  "The rewrite on screen, once its proposal is complete; else an error."
  (let ((overlay (or switchboard-rewrite--overlay (user-error "No rewrite in this buffer"))))
    (when (memq (overlay-get overlay 'switchboard-request) (switchboard-rpc-requests))
      (user-error "The rewrite is still streaming"))
    overlay))

(defun switchboard-rewrite-accept ()
  "Replace the text with the rewrite, in one undo step."
  (interactive)
  (let* ((overlay (switchboard-rewrite--ready))
         (start (overlay-start overlay))
         (end (overlay-end overlay)))
    (unless (equal (buffer-substring-no-properties start end) (overlay-get overlay 'switchboard-original))
      (user-error "The text changed since the rewrite was asked for; not applied"))
    (let ((proposal (overlay-get overlay 'switchboard-proposal))
          (decide (overlay-get overlay 'switchboard-decision)))
      (overlay-put overlay 'switchboard-decision nil)
      (switchboard-rewrite--clear)
      (save-excursion
        (goto-char start)
        (delete-region start end)
        (insert proposal))
      (when decide (funcall decide t)))))

(defun switchboard-rewrite-reject ()
  "Drop the rewrite (cancelling it while it streams); the text stays."
  (interactive)
  (let* ((overlay (or switchboard-rewrite--overlay (user-error "No rewrite in this buffer")))
         (request (overlay-get overlay 'switchboard-request)))
    (if (memq request (switchboard-rpc-requests))
        (switchboard-rpc-cancel (list request))
      (switchboard-rewrite--clear))))

(defun switchboard-rewrite--file (prefix text)
  "A new temporary file named after PREFIX holding TEXT, written quietly."
  (let ((file (make-temp-file prefix)))
    (write-region text nil file nil 'silent)
    file))

(defun switchboard-rewrite-diff ()
  "Show the rewrite as a unified diff of the old text and the new."
  (interactive)
  (let* ((overlay (switchboard-rewrite--ready))
         (old (switchboard-rewrite--file "switchboard-original" (overlay-get overlay 'switchboard-original)))
         (new (switchboard-rewrite--file "switchboard-rewrite" (overlay-get overlay 'switchboard-proposal))))
    (unwind-protect
        (display-buffer (diff-no-select old new '("-u" "--label" "original" "--label" "rewrite") t
                                        (get-buffer-create "*switchboard diff*")))
      (delete-file old)
      (delete-file new))))

(provide 'switchboard-rewrite)
;;; switchboard-rewrite.el ends here
